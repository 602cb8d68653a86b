import type { LumaPlane } from '../pixels.ts';

/**
 * JPEG-domain features of the luminance: the image's 8x8 blocks are transformed back to DCT
 * coefficients and divided by the file's quantisation table, which gives (to rounding) the
 * integers the encoder stored. A perturbation added before compression is nearly white, so it
 * leaves nonzero coefficients at high frequencies that a photo's smooth spectrum seldom has;
 * per zigzag band, the share of coefficients at +-1, at +-2 or beyond, and the log share of
 * nonzero ones. JPEG steganalysis works in this domain for the same reason (DCTR, Holub and
 * Fridrich 2015). Only meaningful on the encoder's own block grid (imaging's `jpegBlocks`).
 */
export const DCT_FEATURES_ID = 'luma-dct-bands-15';
/**
 * Bands by anti-diagonal u + v (vertical plus horizontal frequency), the zigzag order's groups:
 * 1-2, 3-4, 5-6, 7-8 and 9-14 (zigzag positions 1-5, 6-14, 15-27, 28-42, 43-63). DC is left out.
 */
const BAND_LAST_DIAGONAL = [2, 4, 6, 8, 14];
export const DCT_FEATURE_COUNT = 3 * BAND_LAST_DIAGONAL.length;
/** Band of each coefficient in the block's row order (u * 8 + v); -1 for DC. */
const BAND_OF = Int8Array.from({ length: 64 }, (_, i) => {
  const diagonal = Math.floor(i / 8) + (i % 8);
  return diagonal === 0 ? -1 : BAND_LAST_DIAGONAL.findIndex((last) => diagonal <= last);
});
/** The orthonormal 8-point DCT-II basis, as JPEG uses it: COSINES[u * 8 + x]. */
const COSINES = Float64Array.from({ length: 64 }, (_, i) => {
  const u = Math.floor(i / 8);
  const x = i % 8;
  return (u === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
});

/**
 * The 8-point DCT of the values at `from`, `from + stride`, ..., written over the same places of
 * `to`. Unrolled: it runs 16 times per 8x8 block of every JPEG (budget 3 ms per image in all).
 */
function dct8(from: Float64Array, start: number, stride: number, to: Float64Array): void {
  const x0 = from[start] as number;
  const x1 = from[start + stride] as number;
  const x2 = from[start + 2 * stride] as number;
  const x3 = from[start + 3 * stride] as number;
  const x4 = from[start + 4 * stride] as number;
  const x5 = from[start + 5 * stride] as number;
  const x6 = from[start + 6 * stride] as number;
  const x7 = from[start + 7 * stride] as number;
  for (let u = 0; u < 8; u++) {
    const c = u * 8;
    to[start + u * stride] =
      (COSINES[c] as number) * x0 +
      (COSINES[c + 1] as number) * x1 +
      (COSINES[c + 2] as number) * x2 +
      (COSINES[c + 3] as number) * x3 +
      (COSINES[c + 4] as number) * x4 +
      (COSINES[c + 5] as number) * x5 +
      (COSINES[c + 6] as number) * x6 +
      (COSINES[c + 7] as number) * x7;
  }
}

export function extractJpegDctFeatures(luma: LumaPlane, lumaTable: readonly number[]): Float64Array {
  const { width, height } = luma;
  const counts = new Float64Array(2 * BAND_LAST_DIAGONAL.length); // per band: |c| = 1, |c| >= 2
  const sizes = new Float64Array(BAND_LAST_DIAGONAL.length);
  const block = new Float64Array(64);
  const rows = new Float64Array(64);
  for (let by = 0; by + 8 <= height; by += 8) {
    for (let bx = 0; bx + 8 <= width; bx += 8) {
      for (let y = 0; y < 8; y++) {
        for (let x = 0; x < 8; x++) {
          // JFIF luma, level-shifted as the encoder does.
          block[y * 8 + x] = (luma.data[(by + y) * width + bx + x] as number) - 128;
        }
      }
      // Separable 2-D DCT: down each column into `rows`, then along each row into `block`.
      for (let x = 0; x < 8; x++) dct8(block, x, 8, rows);
      for (let u = 0; u < 8; u++) dct8(rows, u * 8, 1, block);
      for (let i = 1; i < 64; i++) {
        const band = BAND_OF[i] as number;
        const level = Math.abs(Math.round((block[i] as number) / (lumaTable[i] as number)));
        sizes[band] = (sizes[band] as number) + 1;
        if (level === 1) counts[2 * band] = (counts[2 * band] as number) + 1;
        else if (level >= 2) counts[2 * band + 1] = (counts[2 * band + 1] as number) + 1;
      }
    }
  }
  const features = new Float64Array(DCT_FEATURE_COUNT);
  for (let b = 0; b < BAND_LAST_DIAGONAL.length; b++) {
    const n = (sizes[b] as number) || 1;
    const ones = counts[2 * b] as number;
    const more = counts[2 * b + 1] as number;
    features[3 * b] = ones / n;
    features[3 * b + 1] = more / n;
    features[3 * b + 2] = Math.log((ones + more + 1) / n);
  }
  return features;
}
