import type { RgbImage } from '@advscreen/contracts';
import { describe, expect, it } from 'vitest';
import { seededRandom, squareAttack } from './square-attack.ts';

/** A toy victim: class 1's logit grows with the mean red value, so more red flips it. */
const toyVictim = async (images: readonly RgbImage[]) =>
  images.map((image) => {
    let red = 0;
    for (let i = 0; i < image.data.length; i += 3) red += image.data[i] as number;
    const logit = (red / (image.data.length / 3) - 100) / 2;
    const p1 = 1 / (1 + Math.exp(-logit));
    return [1 - p1, p1];
  });

const grey = (value: number): RgbImage => ({
  width: 16,
  height: 16,
  data: new Uint8Array(16 * 16 * 3).fill(value),
});

describe('squareAttack', () => {
  it('flips a victim within the budget, staying within eps of the original and in 0..255', async () => {
    const originals = [grey(96), grey(250)];
    const [flipped, saturated] = await squareAttack(originals, [0, 1], toyVictim, {
      eps: 8,
      maxQueries: 200,
      random: seededRandom(1),
    });
    expect(flipped?.success).toBe(true);
    expect(flipped?.margin).toBeLessThan(0);
    expect(flipped?.queries).toBeLessThanOrEqual(200);
    const [before] = await toyVictim([originals[0] as RgbImage]);
    const [after] = await toyVictim([flipped?.image as RgbImage]);
    expect(before?.[0]).toBeGreaterThan(0.5);
    expect(after?.[1]).toBeGreaterThan(0.5);
    for (const [result, original] of [
      [flipped, originals[0]],
      [saturated, originals[1]],
    ] as const) {
      result?.image.data.forEach((v, i) => {
        expect(Math.abs(v - (original?.data[i] as number))).toBeLessThanOrEqual(8);
      });
    }
    // Class 1 at red 250: lowering red by 8 cannot reach the boundary at 100.
    expect(saturated?.success).toBe(false);
    expect(saturated?.queries).toBe(200);
  });

  it('starting from the clean image, asks first about the image itself and then changes one square at a time', async () => {
    const original = grey(96);
    const asked: RgbImage[] = [];
    const recording = async (images: readonly RgbImage[]) => {
      asked.push(...images);
      return toyVictim(images);
    };
    const [result] = await squareAttack([original], [0], recording, {
      eps: 8,
      maxQueries: 300,
      random: seededRandom(1),
      start: 'clean',
    });
    expect(Array.from(asked[0]?.data ?? [])).toEqual(Array.from(original.data));
    // The paper's start moves every pixel by eps; this one leaves all but a square untouched.
    const moved = Array.from(asked[1]?.data ?? []).filter((v, i) => v !== original.data[i]).length;
    expect(moved).toBeGreaterThan(0);
    expect(moved).toBeLessThan(original.data.length);
    expect(result?.success).toBe(true);
    result?.image.data.forEach((v, i) => {
      expect(Math.abs(v - (original.data[i] as number))).toBeLessThanOrEqual(8);
    });
  });

  it('is reproducible with the same seed', async () => {
    const run = () =>
      squareAttack([grey(96)], [0], toyVictim, { eps: 4, maxQueries: 50, random: seededRandom(7) });
    const [a] = await run();
    const [b] = await run();
    expect(Array.from(a?.image.data ?? [])).toEqual(Array.from(b?.image.data ?? []));
    expect(a?.queries).toBe(b?.queries);
  });
});
