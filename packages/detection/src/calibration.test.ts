import { describe, expect, it } from 'vitest';
import { CalibrationSampleError, calibrateThreshold } from './calibration.ts';
import { wilsonInterval } from './evaluation/metrics.ts';

const samples = Array.from({ length: 3000 }, (_, i) => ({
  key: `img-${i}.jpg`,
  score: Math.sin(i * 12.9898) * 5,
}));

describe('calibrateThreshold', () => {
  it('holds the target rate on the held-out third within its interval', () => {
    const fit = calibrateThreshold(samples, 0.01);
    expect(fit.fitted + fit.expectedFpr.heldOut).toBe(samples.length);
    expect(fit.expectedFpr.heldOut).toBeGreaterThan(800);
    expect(fit.expectedFpr.low).toBeLessThanOrEqual(0.01);
    expect(fit.expectedFpr.high).toBeGreaterThanOrEqual(0.01);
    expect(fit.warning).toBeNull();
    expect(fit.byBranch).toEqual({});
  });

  it('is deterministic for the same sample', () => {
    expect(calibrateThreshold(samples, 0.05)).toEqual(calibrateThreshold([...samples].reverse(), 0.05));
  });

  it('warns when the sample is too small for the target rate', () => {
    expect(calibrateThreshold(samples.slice(0, 200), 0.01).warning).toMatch(/200 clean images are few/);
  });

  it('keeps each group on one side of the split', () => {
    // 300 groups of 10 (crops of one photo): the held-out part is whole groups.
    const grouped = samples.map((s, i) => ({ ...s, group: `photo-${Math.floor(i / 10)}` }));
    const fit = calibrateThreshold(grouped, 0.01);
    expect(fit.expectedFpr.heldOut % 10).toBe(0);
    expect(fit.expectedFpr.heldOut).toBeGreaterThan(700);
    expect(calibrateThreshold(samples, 0.01).expectedFpr.heldOut % 10).not.toBe(0);
  });

  it('widens the interval when the false positives sit in a few groups', () => {
    // 60 groups of 20; 10% of images score high: all of every tenth group, or two of each group.
    const scored = (highIn: (group: number, member: number) => boolean) =>
      Array.from({ length: 1200 }, (_, i) => {
        const [group, member] = [Math.floor(i / 20), i % 20];
        const base = Math.sin(i * 12.9898);
        return {
          key: `img-${i}.png`,
          group: `g${group}`,
          score: highIn(group, member) ? 5 + base : base - 2,
        };
      });
    const concentrated = calibrateThreshold(
      scored((group) => group % 10 === 0),
      0.05,
    ).expectedFpr;
    const spread = calibrateThreshold(
      scored((_, member) => member < 2),
      0.05,
    ).expectedFpr;
    expect(concentrated.estimate).toBeGreaterThan(0);
    expect(spread.estimate).toBeGreaterThan(0);
    // Against the interval for as many independent images: far wider, and about the same.
    const width = (r: { low: number; high: number }) => r.high - r.low;
    const independent = (r: typeof spread) => wilsonInterval(r.estimate * r.heldOut, r.heldOut);
    expect(width(concentrated)).toBeGreaterThan(2 * width(independent(concentrated)));
    expect(width(spread) / width(independent(spread))).toBeCloseTo(1, 0);
  });

  it('refuses a sample that cannot be split', () => {
    expect(() => calibrateThreshold(samples.slice(0, 1), 0.01)).toThrow(/more clean images/);
    expect(() => calibrateThreshold(samples.slice(0, 1), 0.01)).toThrow(CalibrationSampleError);
  });
});

describe('calibrateThreshold by branch', () => {
  it("reports where one threshold's false positives fall among the detector's models", () => {
    // JPEG traffic scores 3 higher than lossless: the pooled threshold flags JPEG files only.
    const mixed = samples.map((s, i) =>
      i % 2 === 0 ? { ...s, branch: 'jpeg', score: s.score + 3 } : { ...s, branch: 'lossless' },
    );
    const fit = calibrateThreshold(mixed, 0.01);
    const { jpeg, lossless } = fit.byBranch;
    expect(jpeg?.images).toBe(1500);
    expect(lossless?.images).toBe(1500);
    expect(lossless?.expectedFpr.estimate).toBe(0);
    expect(jpeg?.expectedFpr.estimate).toBeGreaterThan(0.015);
    expect((jpeg?.expectedFpr.heldOut ?? 0) + (lossless?.expectedFpr.heldOut ?? 0)).toBe(
      fit.expectedFpr.heldOut,
    );
    expect((jpeg?.expectedFpr.estimate ?? 0) * (jpeg?.expectedFpr.heldOut ?? 0)).toBeCloseTo(
      fit.expectedFpr.estimate * fit.expectedFpr.heldOut,
      9,
    );
  });
});
