import type { RgbImage } from '@advscreen/contracts';
import { describe, expect, it } from 'vitest';
import { luminance } from '../pixels.ts';
import { extractLumaStripeFeatures, extractStripeFeatures, STRIPE_FEATURE_COUNT } from './stripe-features.ts';

const SIZE = 64;
function image(pixel: (x: number, y: number) => [number, number, number]): RgbImage {
  const data = new Uint8Array(3 * SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) data.set(pixel(x, y), 3 * (y * SIZE + x));
  return { width: SIZE, height: SIZE, data };
}

describe('extractStripeFeatures', () => {
  it('is zero on a flat image and on a luminance-only vertical texture', () => {
    expect(Array.from(extractStripeFeatures(image(() => [90, 90, 90])))).toEqual(
      new Array(STRIPE_FEATURE_COUNT).fill(0),
    );
    // Grey vertical bars: a strong column-constant step, but the same in R, G and B.
    const bars = extractStripeFeatures(image((x) => (x % 2 ? [200, 200, 200] : [40, 40, 40])));
    expect(Array.from(bars)).toEqual(new Array(STRIPE_FEATURE_COUNT).fill(0));
  });

  it('measures vertical chroma stripes as Square Attack starts them, per plane', () => {
    // Red moved by +-8 per column: R-G steps by 0 or 16 between columns, constant down each column.
    const stripes = extractStripeFeatures(image((x) => [100 + (x % 2 ? 8 : -8), 100, 100]));
    // Every column step is 16 in R-G; none down the rows.
    expect(stripes[0]).toBe(16);
    expect(stripes[1]).toBe(16);
    expect(stripes[2]).toBe(-16);
    // B-G untouched.
    expect(Array.from(stripes.subarray(3, 6))).toEqual([0, 0, 0]);
    // One-pixel stripes: each step between column means undoes the one before.
    expect(stripes[6]).toBe(1);
    expect(stripes[7]).toBe(0);
  });

  it('tells wide chroma bars (photos) from one-pixel stripes by the step anti-correlation', () => {
    // Red bars 4 pixels wide: as strong a step measure per step, but isolated steps.
    const bars = extractStripeFeatures(image((x) => [100 + (Math.floor(x / 4) % 2 ? 8 : -8), 100, 100]));
    expect(bars[1]).toBeGreaterThan(0);
    expect(bars[6]).toBe(0);
  });

  it('sees horizontal stripes in the swapped measure', () => {
    const stripes = extractStripeFeatures(image((_, y) => [100, 100, 100 + (y % 2 ? 8 : -8)]));
    expect(stripes[5]).toBe(16);
    expect(stripes[3]).toBe(-16);
  });

  it('measures R-G and B-G as the plane measure does on a plane of each (summed from the pixels, not from planes)', () => {
    let seed = 11;
    const random = () => {
      seed = (seed * 16807) % 2147483647;
      return seed % 256;
    };
    // Not a multiple of the tile: the last partial tiles are left out, and each tile reads one
    // column and one row beyond it.
    const width = 101;
    const height = 77;
    const data = Uint8Array.from({ length: 3 * width * height }, random);
    const features = extractStripeFeatures({ width, height, data });
    for (const [channel, at] of [
      [0, [0, 1, 2, 6]],
      [2, [3, 4, 5, 7]],
    ] as const) {
      const plane = Float64Array.from(
        { length: width * height },
        (_, i) => (data[3 * i + channel] as number) - (data[3 * i + 1] as number),
      );
      const expected = extractLumaStripeFeatures({ width, height, data: plane });
      expect(at.map((i) => features[i])).toEqual(Array.from(expected));
    }
  });

  it('ignores per-pixel noise, which has no column-constant step', () => {
    let seed = 3;
    const noise = () => {
      seed = (seed * 16807) % 2147483647;
      return seed % 17;
    };
    const features = extractStripeFeatures(image(() => [100 + noise(), 100, 100 + noise()]));
    for (const value of features) expect(Math.abs(value)).toBeLessThan(3);
  });
});

/** An image's luminance plane, as jpegEvidence hands it to the luminance stripe features. */
const grey = (...args: Parameters<typeof image>) => luminance(image(...args));

describe('extractLumaStripeFeatures', () => {
  it('measures one-pixel grey stripes, which the chroma features cannot see', () => {
    // +-8 in R, G and B alike per column: luminance steps by 16 between columns.
    const luma = extractLumaStripeFeatures(grey((x) => (x % 2 ? [108, 108, 108] : [92, 92, 92])));
    expect(luma[0]).toBeCloseTo(16, 9);
    expect(luma[1]).toBeCloseTo(16, 9);
    expect(luma[3]).toBeCloseTo(1, 9);
  });

  it('weighs the channels as BT.601 luminance does, and is zero on a flat image', () => {
    expect(Array.from(extractLumaStripeFeatures(grey(() => [10, 200, 90])))).toEqual([0, 0, 0, 0]);
    const green = extractLumaStripeFeatures(grey((x) => [100, 100 + (x % 2 ? 8 : -8), 100]));
    expect(green[1]).toBeCloseTo(16 * 0.587, 9);
  });

  it('tells wide bars from one-pixel stripes by the step anti-correlation', () => {
    const bars = extractLumaStripeFeatures(
      grey((x) => (Math.floor(x / 4) % 2 ? [150, 150, 150] : [50, 50, 50])),
    );
    expect(bars[1]).toBeGreaterThan(0);
    expect(bars[3]).toBe(0);
  });
});
