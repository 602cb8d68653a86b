import { describe, expect, it } from 'vitest';
import { reportDetection, reportDetectionByFormat, type ScoredExample } from './detection-report.ts';

const clean = (format: string, score: number): ScoredExample => ({
  score,
  adversarial: false,
  attack: null,
  eps: null,
  format,
  success: null,
});
const attack = (format: string, score: number, success = true): ScoredExample => ({
  score,
  adversarial: true,
  attack: 'Square',
  eps: '4/255',
  format,
  success,
});

describe('reportDetectionByFormat', () => {
  // PNG attacks sit above every clean PNG, but under two clean JPEGs, which another model scored.
  const examples = [
    clean('png', -6),
    clean('png', -5),
    clean('png', -4),
    clean('jpeg', -2),
    clean('jpeg', -1),
    clean('jpeg', -3),
    attack('png', -3.5),
    attack('png', -2.5),
    attack('png', 0, false),
    attack('jpeg', -1.5),
  ];

  it("ranks each format's attacks against that format's clean images only", () => {
    const byFormat = reportDetectionByFormat(examples);
    expect([...byFormat.keys()]).toEqual(['png', 'jpeg']);
    const png = byFormat.get('png');
    expect(png?.clean).toBe(3);
    expect(png?.rows).toEqual([expect.objectContaining({ format: 'png', count: 2, auroc: 1 })]);
    expect(byFormat.get('jpeg')?.rows).toEqual([
      expect.objectContaining({ format: 'jpeg', count: 1, auroc: 2 / 3 }),
    ]);
    // Against every clean image, the same PNG attacks lose their pairs with the higher clean JPEGs.
    const all = reportDetection(examples).rows.find((r) => r.format === 'png');
    expect(all?.auroc).toBeCloseTo(7 / 12, 10);
  });

  it('leaves out a format without clean images or without successful attacks', () => {
    const byFormat = reportDetectionByFormat([
      clean('png', -1),
      attack('png', 1),
      attack('webp', 2),
      clean('gif', 0),
      attack('gif', 3, false),
    ]);
    expect([...byFormat.keys()]).toEqual(['png']);
  });
});
