import { describe, expect, it } from 'vitest';
import { auroc, groupedRate, rateAbove, thresholdAtFpr, wilsonInterval } from './metrics.ts';

describe('detection metrics', () => {
  it('computes AUROC as the share of correctly ordered pairs', () => {
    expect(auroc([0.1, 0.4], [0.35, 0.8])).toBe(0.75);
    expect(auroc([1, 2], [3, 4])).toBe(1);
    expect(auroc([3, 4], [1, 2])).toBe(0);
  });

  it('counts ties as half', () => {
    expect(auroc([0.5], [0.5])).toBe(0.5);
    expect(auroc([0.5, 0.1], [0.5, 0.9])).toBe(0.875);
  });

  it('refuses a NaN score instead of hanging on it', () => {
    expect(() => auroc([0.1, Number.NaN], [0.5])).toThrow(/NaN/);
    expect(auroc([Number.NEGATIVE_INFINITY], [Number.POSITIVE_INFINITY])).toBe(1);
  });

  it('picks the threshold that lets exactly floor(fpr * n) negatives through', () => {
    const negatives = Array.from({ length: 100 }, (_, i) => i + 1);
    const threshold = thresholdAtFpr(negatives, 0.01);
    expect(threshold).toBe(99);
    expect(rateAbove(negatives, threshold)).toBe(0.01);
    expect(rateAbove(negatives, thresholdAtFpr(negatives, 0.05))).toBe(0.05);
  });

  it('gives a Wilson interval that matches the textbook values', () => {
    const zero = wilsonInterval(0, 10);
    expect(zero.low).toBe(0);
    expect(zero.high).toBeCloseTo(0.2775, 4);
    const half = wilsonInterval(5, 10);
    expect(half.low).toBeCloseTo(0.2366, 4);
    expect(half.high).toBeCloseTo(0.7634, 4);
  });

  it('widens the interval when the flagged items crowd into a few groups', () => {
    // 19 photos of 8 crops each, 7 crops flagged: as independent items, spread one to a photo,
    // or all in one photo's crops.
    const items = (flaggedAt: (photo: number, crop: number) => boolean) =>
      Array.from({ length: 19 * 8 }, (_, i) => ({
        flagged: flaggedAt(Math.floor(i / 8), i % 8),
        group: `photo-${Math.floor(i / 8)}`,
      }));
    const independent = wilsonInterval(7, 152);
    const singletons = groupedRate(
      items((photo, crop) => photo < 7 && crop === 0).map((x, i) => ({ ...x, group: `${i}` })),
    );
    expect(singletons).toEqual({ estimate: 7 / 152, ...independent });
    const spread = groupedRate(items((photo, crop) => photo < 7 && crop === 0));
    expect(spread.estimate).toBe(7 / 152);
    expect(spread.high - spread.low).toBeCloseTo(independent.high - independent.low, 2);
    const crowded = groupedRate(items((photo, crop) => photo === 0 && crop < 7));
    expect(crowded.estimate).toBe(7 / 152);
    expect(crowded.high - crowded.low).toBeGreaterThan(2 * (independent.high - independent.low));
    expect(groupedRate(items(() => false))).toEqual({ estimate: 0, ...wilsonInterval(0, 152) });
  });
});
