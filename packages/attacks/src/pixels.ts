import type { FloatRgbImage, RgbImage } from '@advscreen/contracts';

/** Softmax of scores, shifted by their maximum so large logits stay finite. */
export function softmax(values: readonly number[]): number[] {
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}

/** The index of the largest score: the model's answer. */
export const argmax = (values: readonly number[]): number => values.indexOf(Math.max(...values));

/** An 8-bit image as an attack's fractional working copy. */
export const toFloat = (image: RgbImage): FloatRgbImage => ({
  ...image,
  data: Float32Array.from(image.data),
});

/** A working copy rounded to what an 8-bit file holds. */
export const toBytes = (image: FloatRgbImage): RgbImage => ({
  width: image.width,
  height: image.height,
  data: Uint8Array.from(image.data, Math.round),
});
