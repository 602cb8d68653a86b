import { describe, expect, it } from 'vitest';
import { BUNDLED_MODEL_SPEC, loadModelSpec } from './model-spec.ts';
import { createOnnxModel } from './onnx-model.ts';

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
