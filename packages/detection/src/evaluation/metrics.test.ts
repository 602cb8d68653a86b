import { describe, expect, it } from 'vitest';
import { auroc, rateAbove, thresholdAtFpr, wilsonInterval } from './metrics.ts';

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
});
