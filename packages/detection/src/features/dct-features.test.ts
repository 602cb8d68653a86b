import type { RgbImage } from '@advscreen/contracts';
import { describe, expect, it } from 'vitest';
import { luminance } from '../pixels.ts';
import { DCT_FEATURE_COUNT, extractJpegDctFeatures } from './dct-features.ts';

const FLAT_TABLE = new Array<number>(64).fill(16);
// Steps large against the grey levels' rounding (at most 4 in any coefficient).
const COARSE_TABLE = new Array<number>(64).fill(32);

/** An 8x8 grey image whose only non-DC coefficient is `value` at (u, v) (JPEG's orthonormal DCT). */
function singleCoefficient(u: number, v: number, value: number): RgbImage {
  const c = (k: number, x: number) =>
    (k === 0 ? Math.SQRT1_2 : 1) * 0.5 * Math.cos(((2 * x + 1) * k * Math.PI) / 16);
  const data = new Uint8Array(8 * 8 * 3);
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      const grey = Math.round(128 + value * c(u, y) * c(v, x));
      data.fill(grey, 3 * (y * 8 + x), 3 * (y * 8 + x) + 3);
    }
  }
  return { width: 8, height: 8, data };
}

describe('extractJpegDctFeatures', () => {
  it('finds no AC coefficients in a flat image', () => {
    const flat: RgbImage = { width: 16, height: 8, data: new Uint8Array(16 * 8 * 3).fill(77) };
    const f = extractJpegDctFeatures(luminance(flat), FLAT_TABLE);
    expect(f).toHaveLength(DCT_FEATURE_COUNT);
    // Band 0 (u + v = 1..2) has 5 coefficients per block, 10 in all.
    expect([f[0], f[1], f[2]]).toEqual([0, 0, Math.log(1 / 10)]);
  });

  it('reads back a stored coefficient as its quantised level, in its band', () => {
    // Level 3 (3 x 16) at u = 0, v = 1: band 0. Level 1 at u = 4, v = 4: band 3 (u + v = 7..8, 15 per block).
    const low = extractJpegDctFeatures(luminance(singleCoefficient(0, 1, 48)), FLAT_TABLE);
    expect([low[0], low[1]]).toEqual([0, 1 / 5]);
    expect(low.slice(3).filter((v, i) => i % 3 !== 2 && v !== 0)).toHaveLength(0);
    const high = extractJpegDctFeatures(luminance(singleCoefficient(4, 4, 16)), FLAT_TABLE);
    expect([high[9], high[10]]).toEqual([1 / 15, 0]);
  });

  it('reads every coefficient position back at its level and band (the fast transform is scaled right)', () => {
    const bandOf = (u: number, v: number) => [2, 4, 6, 8, 14].findIndex((last) => u + v <= last);
    for (let u = 0; u < 8; u++) {
      for (let v = 0; v < 8; v++) {
        if (u + v === 0) continue;
        const band = bandOf(u, v);
        const size = [5, 9, 13, 15, 21][band] as number;
        // Level 1 from 0.5 to 1.5 steps: 0.75 and 1.3 steps read as 1 only if the scale is within 15%.
        for (const steps of [0.75, 1.3]) {
          const f = extractJpegDctFeatures(luminance(singleCoefficient(u, v, steps * 32)), COARSE_TABLE);
          const counts = Array.from({ length: 5 }, (_, b) => [f[3 * b], f[3 * b + 1]]);
          const expected = counts.map((_, b) => (b === band ? [1 / size, 0] : [0, 0]));
          expect(counts, `u=${u} v=${v} at ${steps} steps`).toEqual(expected);
        }
      }
    }
  });

  it('sees white noise in the high bands that a smooth gradient lacks', () => {
    const width = 32;
    const height = 32;
    const smooth = Uint8Array.from(
      { length: width * height * 3 },
      (_, i) => 60 + (Math.floor(i / 3) % width) * 2,
    );
    let seed = 11;
    const noisy = smooth.map((v) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return v + ((seed >>> 30) & 1 ? 8 : -8);
    });
    const table = Array.from({ length: 64 }, (_, i) => 4 + Math.floor(i / 8) + (i % 8));
    const quiet = extractJpegDctFeatures(luminance({ width, height, data: smooth }), table);
    const loud = extractJpegDctFeatures(luminance({ width, height, data: noisy }), table);
    // Band 4 (u + v >= 9): a ramp along x has none; luma noise of about 5 levels leaves some at +-1.
    expect([quiet[12], quiet[13]]).toEqual([0, 0]);
    expect(loud[12] as number).toBeGreaterThan(0.05);
  });
});
