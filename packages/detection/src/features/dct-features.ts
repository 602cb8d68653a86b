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
/** Coefficients per block in each band. */
const BAND_SIZE = BAND_LAST_DIAGONAL.map((_, band) => BAND_OF.filter((b) => b === band).length);
/**
 * Arai, Agui and Nakajima's 8-point DCT (as in libjpeg's float DCT): 5 multiplications instead
 * of 64, each output scaled by AAN_SCALE[u] (and the 2-D output by a further 8) against the
 * orthonormal DCT JPEG defines; `levelScales` folds that into the quantisation step. It runs 16
 * times per 8x8 block of every JPEG (budget 3 ms per image in all). The values at `start`,
 * `start + stride`, ..., are overwritten with the scaled coefficients.
 */
function aanDct8(block: Float64Array, start: number, stride: number): void {
  const i0 = start;
  const i1 = start + stride;
  const i2 = start + 2 * stride;
  const i3 = start + 3 * stride;
  const i4 = start + 4 * stride;
  const i5 = start + 5 * stride;
  const i6 = start + 6 * stride;
  const i7 = start + 7 * stride;
  const s07 = (block[i0] as number) + (block[i7] as number);
  const d07 = (block[i0] as number) - (block[i7] as number);
  const s16 = (block[i1] as number) + (block[i6] as number);
  const d16 = (block[i1] as number) - (block[i6] as number);
  const s25 = (block[i2] as number) + (block[i5] as number);
  const d25 = (block[i2] as number) - (block[i5] as number);
  const s34 = (block[i3] as number) + (block[i4] as number);
  const d34 = (block[i3] as number) - (block[i4] as number);
  // Even part.
  const e0 = s07 + s34;
  const e3 = s07 - s34;
  const e1 = s16 + s25;
  const e2 = s16 - s25;
  block[i0] = e0 + e1;
  block[i4] = e0 - e1;
  const rotated = (e2 + e3) * Math.SQRT1_2;
  block[i2] = e3 + rotated;
  block[i6] = e3 - rotated;
  // Odd part.
  const o0 = d34 + d25;
  const o1 = d25 + d16;
  const o2 = d16 + d07;
  const z5 = (o0 - o2) * 0.38268343236508984; // cos(6 pi / 16)
  const z2 = 0.5411961001461969 * o0 + z5; // cos(6 pi / 16) sqrt 2
  const z4 = 1.3065629648763766 * o2 + z5; // cos(2 pi / 16) sqrt 2
  const z3 = o1 * Math.SQRT1_2;
  const z11 = d07 + z3;
  const z13 = d07 - z3;
  block[i5] = z13 + z2;
  block[i3] = z13 - z2;
  block[i1] = z11 + z4;
  block[i7] = z11 - z4;
}

/** AAN's output scale per frequency: 1, then cos(k pi / 16) sqrt 2. */
const AAN_SCALE = Float64Array.from({ length: 8 }, (_, k) =>
  k === 0 ? 1 : Math.cos((k * Math.PI) / 16) * Math.SQRT2,
);

/** Per coefficient, what turns aanDct8's 2-D output into the quantised level: 1 / (step x scale). */
function levelScales(lumaTable: readonly number[]): Float64Array {
  return Float64Array.from(
    { length: 64 },
    (_, i) =>
      1 /
      ((lumaTable[i] as number) *
        (AAN_SCALE[Math.floor(i / 8)] as number) *
        (AAN_SCALE[i % 8] as number) *
        8),
  );
}

export function extractJpegDctFeatures(luma: LumaPlane, lumaTable: readonly number[]): Float64Array {
  const { width, height } = luma;
  const tallies = new Int32Array(3 * BAND_LAST_DIAGONAL.length); // per band: |c| = 0, 1, >= 2
  const block = new Float64Array(64);
  const scales = levelScales(lumaTable);
  let blocks = 0;
  for (let by = 0; by + 8 <= height; by += 8) {
    for (let bx = 0; bx + 8 <= width; bx += 8) {
      // No level shift: it moves only the DC coefficient, which is left out.
      for (let y = 0; y < 8; y++) {
        const row = (by + y) * width + bx;
        for (let x = 0; x < 8; x++) block[y * 8 + x] = luma.data[row + x] as number;
      }
      // Separable 2-D DCT: along each row, then down each column.
      for (let y = 0; y < 8; y++) aanDct8(block, y * 8, 1);
      for (let x = 0; x < 8; x++) aanDct8(block, x, 8);
      for (let i = 1; i < 64; i++) {
        // The quantised level's magnitude is 0 below 0.5, 1 below 1.5 (ties: either way). Counted
        // without branches: which it is cannot be predicted, and the mispredictions cost more.
        const magnitude = Math.abs((block[i] as number) * (scales[i] as number));
        const slot = 3 * (BAND_OF[i] as number) + +(magnitude >= 0.5) + +(magnitude >= 1.5);
        tallies[slot] = (tallies[slot] as number) + 1;
      }
      blocks++;
    }
  }
  const features = new Float64Array(DCT_FEATURE_COUNT);
  for (let b = 0; b < BAND_LAST_DIAGONAL.length; b++) {
    const n = blocks * (BAND_SIZE[b] as number) || 1;
    const ones = tallies[3 * b + 1] as number;
    const more = tallies[3 * b + 2] as number;
    features[3 * b] = ones / n;
    features[3 * b + 1] = more / n;
    features[3 * b + 2] = Math.log((ones + more + 1) / n);
  }
  return features;
}
