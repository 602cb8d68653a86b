import type { RgbImage } from '@advscreen/contracts';

/** Cells per side of a fingerprint: 8 x 8 grey means, 64 bytes. */
export const FINGERPRINT_GRID = 8;
export const FINGERPRINT_BYTES = FINGERPRINT_GRID * FINGERPRINT_GRID;

/**
 * A coarse picture of an image: the mean grey level of each cell of an 8 x 8 grid, less the
 * image's mean (so brightening every query does not hide it), plus 128, rounded to 8 bits. A
 * query attack changes every pixel by at most its budget, so each of its queries stays within
 * that budget of the image it started from, cell by cell; different photographs, even crops of
 * one photograph, rarely come that close (docs/query-history.md has the figures).
 */
export function queryFingerprint(image: RgbImage): Uint8Array {
  const sums = new Float64Array(FINGERPRINT_BYTES);
  const counts = new Uint32Array(FINGERPRINT_BYTES);
  const { width, height, data } = image;
  for (let y = 0; y < height; y++) {
    const row =
      Math.min(FINGERPRINT_GRID - 1, Math.floor((y * FINGERPRINT_GRID) / height)) * FINGERPRINT_GRID;
    for (let x = 0; x < width; x++) {
      const cell = row + Math.min(FINGERPRINT_GRID - 1, Math.floor((x * FINGERPRINT_GRID) / width));
      const o = (y * width + x) * 3;
      sums[cell] =
        (sums[cell] as number) +
        0.299 * (data[o] as number) +
        0.587 * (data[o + 1] as number) +
        0.114 * (data[o + 2] as number);
      counts[cell] = (counts[cell] as number) + 1;
    }
  }
  const means = Array.from(sums, (sum, cell) => sum / Math.max(1, counts[cell] as number));
  const overall = means.reduce((total, mean) => total + mean, 0) / FINGERPRINT_BYTES;
  const fingerprint = new Uint8Array(FINGERPRINT_BYTES);
  // A cell more than 127 levels from the image's mean saturates.
  means.forEach((mean, cell) => {
    fingerprint[cell] = Math.min(255, Math.max(0, Math.round(mean - overall + 128)));
  });
  return fingerprint;
}

/** Mean absolute difference of two fingerprints, in 8-bit grey levels. */
export function fingerprintDistance(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < FINGERPRINT_BYTES; i++) sum += Math.abs((a[i] as number) - (b[i] as number));
  return sum / FINGERPRINT_BYTES;
}

/**
 * Below this spread of cell means (standard deviation, grey levels) an image is plain: crops of
 * one plain wallpaper are as alike as an agent's queries, so the history cannot tell them
 * apart. Photographs here spread 6 levels and more (1st percentile, docs/query-history.md).
 */
export const PLAIN_SPREAD = 5;

/** Whether the fingerprint is of a plain image (one colour, a gentle gradient). */
export function isPlain(fingerprint: Uint8Array): boolean {
  let sum = 0;
  for (const value of fingerprint) sum += value;
  const mean = sum / fingerprint.length;
  let squares = 0;
  for (const value of fingerprint) squares += (value - mean) ** 2;
  return Math.sqrt(squares / fingerprint.length) < PLAIN_SPREAD;
}
