import { describe, expect, it } from 'vitest';
import { countsAsAttack } from './monitor.ts';

describe('countsAsAttack', () => {
  it('counts adversarial verdicts and refusals of crafted files, not ordinary refusals', () => {
    expect(countsAsAttack({ verdict: 'adversarial' })).toBe(true);
    expect(countsAsAttack({ verdict: 'rejected', reason: 'partly_transparent' })).toBe(true);
    expect(countsAsAttack({ verdict: 'rejected', reason: 'disguised_format' })).toBe(true);
    // Broken uploads and formats phones send (HEIC) are no campaign.
    for (const reason of [
      'corrupt',
      'empty',
      'unsupported_format',
      'too_large',
      'processing_failed',
    ] as const)
      expect(countsAsAttack({ verdict: 'rejected', reason })).toBe(false);
    expect(countsAsAttack({ verdict: 'clean' })).toBe(false);
  });
});
