import { describe, expect, it } from 'vitest';
import { fitConfidenceBound, fitMarginBound } from './confidence-bound.ts';

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('fitConfidenceBound', () => {
  it('uses the sample maximum when there are too few images for a tail', () => {
    const fit = fitConfidenceBound([0.5, 0.9, 0.99], 0.001);
    expect(fit).toEqual({ bound: 0.99, method: 'max', images: 3, exceedance: 0.001 });
  });

  it('puts the bound where an exponential tail of log-odds reaches the target', () => {
    // Log-odds 0.1..10 in steps of 0.1: k = 10, u = 9 (the 11th largest), mean excess 0.55.
    const probabilities = Array.from({ length: 100 }, (_, i) => sigmoid((i + 1) / 10));
    const fit = fitConfidenceBound(probabilities, 0.01);
    const expected = sigmoid(9 + 0.55 * Math.log(10 / (100 * 0.01)));
    expect(fit.method).toBe('tail');
    expect(fit.bound).toBeCloseTo(expected, 12);
    expect(fit.bound).toBeGreaterThan(Math.max(...probabilities));
  });

  it('moves the bound up as the exceedance target shrinks', () => {
    const probabilities = Array.from({ length: 500 }, (_, i) => sigmoid(2 + (6 * ((i * 7919) % 500)) / 500));
    const loose = fitConfidenceBound(probabilities, 0.01).bound;
    const tight = fitConfidenceBound(probabilities, 0.001).bound;
    expect(tight).toBeGreaterThan(loose);
  });

  it('never goes below what clean images showed, and keeps a saturated model uncheckable', () => {
    const saturated = Array.from({ length: 200 }, (_, i) => (i < 40 ? 1 : 0.9));
    expect(fitConfidenceBound(saturated, 0.001)).toMatchObject({ bound: 1, method: 'max' });
  });

  it('rejects an exceedance target outside (0, 1) and an empty sample', () => {
    expect(() => fitConfidenceBound([0.9], 0)).toThrow(/exceedance/);
    expect(() => fitConfidenceBound([], 0.01)).toThrow(/at least one/);
  });
});

describe('fitMarginBound', () => {
  it('extrapolates the low tail of the margins linearly to the exceedance target', () => {
    // Margins 0.01, 0.02, ..., 10, uniform: k = 10 (1% of 1000), t_k = 0.1, P(< t) = t / 10; 0.1% at 0.01.
    const margins = Array.from({ length: 1000 }, (_, i) => (i + 1) / 100);
    const fit = fitMarginBound(margins, 0.001);
    expect(fit.images).toBe(1000);
    expect(fit.bound).toBeCloseTo(0.01, 12);
    expect(fitMarginBound(margins, 0.005).bound).toBeCloseTo(0.05, 12);
  });

  it('gives no bound for samples too small for a tail of 5', () => {
    expect(fitMarginBound([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], 0.001).bound).toBeNull();
    expect(
      fitMarginBound(
        Array.from({ length: 10 }, (_, i) => i + 1),
        0.001,
      ).bound,
    ).toBeCloseTo(0.01, 12);
  });
});
