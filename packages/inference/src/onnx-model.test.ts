import { describe, expect, it } from 'vitest';
import { BUNDLED_MODEL_SPEC, type LoadedModelSpec, loadModelSpec } from './model-spec.ts';
import { createOnnxModel, sourceChannel, tensorIndex, toInputTensor } from './onnx-model.ts';

describe('toInputTensor', () => {
  const bundled = loadModelSpec(BUNDLED_MODEL_SPEC);
  const size = 6;
  const image8 = {
    width: size,
    height: size,
    data: Uint8Array.from({ length: 3 * size * size }, (_, i) => (i * 37) % 256),
  };
  const imageFloat = {
    width: size,
    height: size,
    data: Float32Array.from(image8.data, (v, i) => v + (i % 7) / 7),
  };
  // Each value by the formula, one at a time: what the table and strided passes must reproduce.
  function expected(spec: LoadedModelSpec, images: { data: ArrayLike<number> }[]): Float32Array {
    const { scale, mean, std } = spec.input;
    const out = new Float32Array(images.length * 3 * size * size);
    images.forEach((image, n) => {
      for (let i = 0; i < size * size; i++)
        for (let c = 0; c < 3; c++)
          out[tensorIndex(spec.input, n, i, c)] =
            ((image.data[3 * i + sourceChannel(spec.input, c)] as number) / scale - (mean[c] as number)) /
            (std[c] as number);
    });
    return out;
  }
  it.each([
    ['NCHW', 'RGB'],
    ['NHWC', 'RGB'],
    ['NCHW', 'BGR'],
    ['NHWC', 'BGR'],
  ] as const)('lays out 8-bit and fractional pixels exactly as the formula, %s %s', (layout, colour) => {
    const spec: LoadedModelSpec = {
      ...bundled,
      input: {
        ...bundled.input,
        size,
        layout,
        colour,
        scale: 255,
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
      },
    };
    const images = [image8, imageFloat, image8];
    const tensor = toInputTensor(images, spec);
    expect(tensor.dims).toEqual(layout === 'NCHW' ? [3, 3, size, size] : [3, size, size, 3]);
    expect(Array.from(tensor.data as Float32Array)).toEqual(Array.from(expected(spec, images)));
  });
});

describe('createOnnxModel', () => {
  // CI has neither onnxruntime-node's CUDA files nor a Vulkan loader, so both must stop with what
  // to install; on a machine that has them the model must start and run instead.
  it.each([
    ['cuda', /CUDA 12 runtime/],
    ['webgpu', /Vulkan loader \(Debian's libvulkan1\)/],
  ] as const)('starts on %s or stops at start-up saying what to install', async (provider, remedy) => {
    const spec = loadModelSpec(BUNDLED_MODEL_SPEC);
    let model: Awaited<ReturnType<typeof createOnnxModel>> | undefined;
    try {
      model = await createOnnxModel(spec, provider);
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toMatch(`ADVSCREEN_EXECUTION_PROVIDER=${provider}`);
      expect(message).toMatch(remedy);
      expect(message).toMatch('or set ADVSCREEN_EXECUTION_PROVIDER=cpu');
      return;
    }
    const size = spec.input.size;
    const [output] = await model.run([{ width: size, height: size, data: new Uint8Array(3 * size * size) }]);
    expect(output?.kind).toBe('classification');
    await model.close();
  });
});
