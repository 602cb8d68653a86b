import { describe, expect, it } from 'vitest';
import { routeVerdict } from './route-verdict.ts';

describe('routeVerdict', () => {
  it('calls a score above the threshold adversarial', () =>
    expect(routeVerdict(0.51, 0.5)).toBe('adversarial'));
  it('calls a score equal to the threshold clean', () => expect(routeVerdict(0.5, 0.5)).toBe('clean'));
  it('calls a score below the threshold clean', () => expect(routeVerdict(-3, 0.5)).toBe('clean'));
});
