import type { Layer, Verdict, VerdictRecord } from '@advscreen/contracts';

/** The routing rule, in one place: scores strictly above the threshold are adversarial. */
export function routeVerdict(score: number, threshold: number): Exclude<Verdict, 'rejected'> {
  return score > threshold ? 'adversarial' : 'clean';
}

/**
 * Which check decided a verdict that left the detector stage: its own layer when one set it (the
 * query history), else the detector for an adversarial verdict; null for any other.
 */
export function detectorStageLayer(record: Pick<VerdictRecord, 'verdict' | 'layer'>): Layer | null {
  return record.verdict === 'adversarial' ? (record.layer ?? 'detector') : null;
}
