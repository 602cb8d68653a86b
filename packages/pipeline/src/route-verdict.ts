import type { Verdict } from '@advscreen/contracts';

/** The routing rule, in one place: scores strictly above the threshold are adversarial. */
export function routeVerdict(score: number, threshold: number): Exclude<Verdict, 'rejected'> {
  return score > threshold ? 'adversarial' : 'clean';
}
