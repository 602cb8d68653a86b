import { describe, expect, it } from 'vitest';
import { USAGE, usageOf } from './usage.ts';

describe('usageOf', () => {
  it("gives one command's lines with their continuations, not its namesakes'", () => {
    const calibrate = usageOf('calibrate');
    expect(calibrate).toMatch(/advscreen calibrate <folder/);
    expect(calibrate).toMatch(/--group-pattern REGEX\] \[--detector-model model\.json\]/);
    expect(calibrate).not.toMatch(/calibrate-model|advscreen scan/);
    expect(usageOf('calibrate-model')).toMatch(/--margin-exceedance 0\.002/);
    expect(usageOf('calibrate-model')).not.toMatch(/advscreen calibrate </);
  });

  it('gives every kind of a command with several forms', () => {
    const attack = usageOf('attack');
    for (const kind of ['square', 'deepfool', 'fgsm|pgd', 'cw'])
      expect(attack).toContain(`advscreen attack ${kind} `);
    expect(attack).not.toMatch(/advscreen (scan|report)/);
    expect(attack).not.toMatch(/Environment:/);
  });

  it('gives the whole text for no command or an unknown one', () => {
    expect(usageOf(undefined)).toBe(USAGE);
    expect(usageOf('scna')).toBe(USAGE);
  });
});
