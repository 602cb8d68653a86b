import { createHash } from 'node:crypto';
import { rateAbove, thresholdAtFpr, wilsonInterval } from './evaluation/metrics.ts';

export interface CalibrationSample {
  key: string;
  score: number;
}

export interface CalibrationFit {
  threshold: number;
  expectedFpr: { estimate: number; low: number; high: number; heldOut: number };
  fitted: number;
  /** Set when the sample is too small for the target rate to mean much. */
  warning: string | null;
}

/** Deterministic split by key hash, so re-running on the same sample gives the same result. */
function isHeldOut(key: string, heldOutShare: number): boolean {
  const digest = createHash('sha256').update(key).digest();
  return digest.readUInt32BE(0) / 2 ** 32 < heldOutShare;
}

/**
 * Chooses the threshold at `targetFpr` on two thirds of a clean sample and measures the
 * false-positive rate it gives on the other third, with a 95% Wilson interval.
 */
export function calibrateThreshold(
  samples: readonly CalibrationSample[],
  targetFpr: number,
  heldOutShare = 1 / 3,
): CalibrationFit {
  const fitScores: number[] = [];
  const heldOutScores: number[] = [];
  for (const s of samples) (isHeldOut(s.key, heldOutShare) ? heldOutScores : fitScores).push(s.score);
  if (fitScores.length === 0 || heldOutScores.length === 0) {
    throw new Error(`calibration needs more clean images (got ${samples.length})`);
  }
  const threshold = thresholdAtFpr(fitScores, targetFpr);
  const falsePositives = Math.round(rateAbove(heldOutScores, threshold) * heldOutScores.length);
  const interval = wilsonInterval(falsePositives, heldOutScores.length);
  const needed = Math.ceil(10 / targetFpr);
  return {
    threshold,
    expectedFpr: {
      estimate: falsePositives / heldOutScores.length,
      ...interval,
      heldOut: heldOutScores.length,
    },
    fitted: fitScores.length,
    warning:
      samples.length < needed
        ? `${samples.length} clean images are few for a ${targetFpr * 100}% false-positive rate; ${needed} or more give a usable estimate`
        : null,
  };
}
