import type { FloatRgbImage, RgbImage } from '@advscreen/contracts';
import { describe, expect, it } from 'vitest';
import { deepFool, type JacobianOf } from './deepfool.ts';

/** An affine "model" on a 2x1 image: logits = weights . pixels + bias, so its Jacobian is exact. */
function affineModel(
  weights: number[][],
  bias: number[],
): { jacobianOf: JacobianOf; classOf: (x: ArrayLike<number>) => number } {
  const logitsOf = (x: ArrayLike<number>) =>
    weights.map((row, k) => row.reduce((sum, w, i) => sum + w * (x[i] as number), bias[k] as number));
  return {
    jacobianOf: async (images: readonly FloatRgbImage[]) =>
      images.map((image) => ({
        logits: logitsOf(image.data),
        gradients: weights.map((row) => Float32Array.from(row)),
      })),
    classOf: (x) => {
      const logits = logitsOf(x);
      return logits.indexOf(Math.max(...logits));
    },
  };
}

const image = (values: number[]): RgbImage => ({ width: 2, height: 1, data: Uint8Array.from(values) });

describe('deepFool', () => {
  it('steps to the nearest boundary of an affine model, overshoot past it, in one step', async () => {
    // Class 0 wins by 60 over class 1 and by 100 over class 2; w1 - w0 has norm sqrt(6).
    const weights = [
      [1, 1, 1, 0, 0, 0],
      [0, 0, 0, 1, 1, 1],
      [-1, -1, -1, -1, -1, -1],
    ];
    const model = affineModel(weights, [0, -60, 0]);
    const clean = image([100, 100, 100, 100, 100, 100]);
    const [result] = await deepFool([clean], [0], model.jacobianOf, { on: 'logits', overshoot: 0.5 });
    expect(result?.crossed).toBe(true);
    expect(result?.steps).toBe(1);
    // Distance to the 0/1 boundary: 60 / sqrt(6) along (-1,-1,-1,1,1,1)/sqrt(6): 10 px per value, 15 with overshoot.
    expect(Array.from(result?.image.data ?? [])).toEqual([85, 85, 85, 115, 115, 115]);
    expect(model.classOf(result?.image.data ?? [])).toBe(1);
  });

  it('linearises the probabilities when asked, and still crosses', async () => {
    const model = affineModel(
      [
        [0.1, 0.1, 0.1, 0, 0, 0],
        [0, 0, 0, 0.1, 0.1, 0.1],
      ],
      [0, -6],
    );
    const clean = image([100, 100, 100, 100, 100, 100]);
    const [result] = await deepFool([clean], [0], model.jacobianOf, { on: 'probabilities' });
    expect(result?.crossed).toBe(true);
    expect(model.classOf(result?.image.data ?? [])).toBe(1);
  });

  it('goes on until the 8-bit image crosses when the rounded image is checked', async () => {
    // The boundary is 0.6 / sqrt(6) px per value away: the float step crosses, rounding undoes it.
    const model = affineModel(
      [
        [1, 1, 1, 0, 0, 0],
        [0, 0, 0, 1, 1, 1],
      ],
      [0, -0.6],
    );
    const clean = image([100, 100, 100, 100, 100, 100]);
    const [float] = await deepFool([clean], [0], model.jacobianOf, { on: 'logits' });
    expect(float?.crossed).toBe(true);
    expect(model.classOf(float?.image.data ?? [])).toBe(0);
    const [rounded] = await deepFool([clean], [0], model.jacobianOf, { on: 'logits', check: 'rounded' });
    expect(rounded?.crossed).toBe(true);
    expect(model.classOf(rounded?.image.data ?? [])).toBe(1);
  });
});
