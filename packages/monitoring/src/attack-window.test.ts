import { describe, expect, it } from 'vitest';
import { ALERT_SIGNIFICANCE, poissonTail, unusualCount } from './attack-window.ts';

describe('poissonTail', () => {
  it('gives P(X >= k) of a Poisson count, also where exp(-mean) underflows', () => {
    // References summed independently (Python, lgamma): 1 - e^-1 (1 + 1 + 1/2) for the second.
    expect(poissonTail(5, 0.1)).toBeCloseTo(7.6678e-8, 11);
    expect(poissonTail(3, 1)).toBeCloseTo(0.0803014, 6);
    expect(poissonTail(900, 800) / 2.7591344e-4).toBeCloseTo(1, 6);
    expect(poissonTail(460, 360) / 2.3872396e-7).toBeCloseTo(1, 6);
  });

  it('is 1 at or below the mean and 0 with nothing expected', () => {
    expect(poissonTail(20, 20)).toBe(1);
    expect(poissonTail(0, 5)).toBe(1);
    expect(poissonTail(1, 0)).toBe(0);
  });
});

describe('unusualCount', () => {
  const rule = { threshold: 5, windowMs: 300_000, cooldownMs: 0, expectedFpr: 0.02 };

  it('needs the threshold, and more flagged images than false positives explain for the volume', () => {
    expect(unusualCount(4, 4, rule)).toBe(false);
    expect(unusualCount(5, 5, rule)).toBe(true);
    // 18,000 images in 5 min at 2%: about 360 false positives; 400 is within chance, 480 is not.
    expect(unusualCount(400, 18_000, rule)).toBe(false);
    expect(unusualCount(480, 18_000, rule)).toBe(true);
    expect(poissonTail(480, 360)).toBeLessThan(ALERT_SIGNIFICANCE);
  });

  it('with no false-positive rate, the threshold alone decides', () => {
    expect(unusualCount(5, 1_000_000, { ...rule, expectedFpr: 0 })).toBe(true);
  });
});
