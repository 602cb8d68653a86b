import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createDifferentiableModel } from './differentiable-model.ts';
import { BUNDLED_MODEL_SPEC, loadModelSpec } from './model-spec.ts';
import { createOnnxModel } from './onnx-model.ts';

const PHOTO = new URL('../../../test/fixtures/photos/dog_0.png', import.meta.url).pathname;

describe('createDifferentiableModel', () => {
  it("gives the bundled model's logits and their pixel gradients (checked by finite differences)", async () => {
    const spec = loadModelSpec(BUNDLED_MODEL_SPEC);
    const [model, differentiable] = await Promise.all([
      createOnnxModel(spec, 'cpu'),
      createDifferentiableModel(spec, 'cpu'),
    ]);
    try {
      const { data, info } = await sharp(PHOTO).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      const photo = { width: info.width, height: info.height, data: Float32Array.from(data) };
      const [at] = await differentiable.jacobian([photo]);
      if (!at) throw new Error('no Jacobian');
      expect(at.gradients).toHaveLength(5);

      const [output] = await model.run([{ ...photo, data: Uint8Array.from(data) }]);
      const exps = at.logits.map((v) => Math.exp(v - Math.max(...at.logits)));
      const softmax = exps.map((v) => v / exps.reduce((a, b) => a + b, 0));
      for (const [k, p] of softmax.entries())
        expect(p).toBeCloseTo(
          output?.kind === 'classification' ? (output.probabilities[k] as number) : -1,
          4,
        );

      // Along the Neutral logit's own gradient (unit length), where the function is smoothest:
      // random directions cross many ReLU6 kinks and their finite differences wander by 10%.
      const gradient = at.gradients[2] as Float32Array;
      const norm = Math.sqrt(gradient.reduce((sum, g) => sum + g * g, 0));
      const direction = gradient.map((g) => g / norm);
      const h = 0.1; // pixel steps
      const [plus, minus] = await differentiable.jacobian(
        [h, -h].map((step) => ({
          ...photo,
          data: photo.data.map((v, i) => v + step * (direction[i] as number)),
        })),
      );
      for (const [k, tolerance] of [
        [2, 0.02],
        [4, 0.05],
      ] as const) {
        const finite = ((plus?.logits[k] as number) - (minus?.logits[k] as number)) / (2 * h);
        const analytic = (at.gradients[k] as Float32Array).reduce(
          (sum, g, i) => sum + g * (direction[i] as number),
          0,
        );
        expect(Math.abs(finite)).toBeGreaterThan(0.01);
        expect(Math.abs(analytic - finite)).toBeLessThan(tolerance * Math.abs(finite));
      }
    } finally {
      await Promise.all([model.close(), differentiable.close()]);
    }
  });

  // CI has no Vulkan loader: the attack command must stop with what to install, as the model stage does.
  it('starts on webgpu or stops at start-up saying what to install', async () => {
    const outcome = await createDifferentiableModel(loadModelSpec(BUNDLED_MODEL_SPEC), 'webgpu').then(
      (model) => model.close().then(() => 'started'),
      (error: Error) => error.message,
    );
    if (outcome === 'started') return;
    expect(outcome).toMatch('ADVSCREEN_EXECUTION_PROVIDER=webgpu');
    expect(outcome).toMatch(/Vulkan loader/);
    expect(outcome).toMatch('or set ADVSCREEN_EXECUTION_PROVIDER=cpu');
  });
});
