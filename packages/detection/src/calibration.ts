import { createHash } from 'node:crypto';
import { groupedRate, thresholdAtFpr } from './evaluation/metrics.ts';

export interface CalibrationSample {
  key: string;
  score: number;
  /** Detector scores: the model that scored it (one of BRANCHES), see `scoredBranch`. */
  branch?: string;
  /**
   * Images of one group (crops of one photo, one sender's uploads) fall on the same side of the
   * split, so the held-out rate is measured on groups the threshold was not set on; without it,
   * each key is its own group.
   */
  group?: string;
}

/** A false-positive rate measured on a held-out part, with a 95% Wilson interval (on the effective number of images when they come in groups). */
export interface HeldOutRate {
  estimate: number;
  low: number;
  high: number;
  heldOut: number;
}

export interface CalibrationFit {
  threshold: number;
  expectedFpr: HeldOutRate;
  fitted: number;
  /**
   * The same threshold's held-out rate per branch: where the budget goes. One threshold on
   * all branches spends more of it on JPEG files and catches more JPEG attacks than a
   * threshold per branch at the same rate (docs/detection.md, Calibration), but the pooled
   * rate moves when the traffic's mix of branches does.
   */
  byBranch: Record<string, { images: number; expectedFpr: HeldOutRate }>;
  /** Set when the sample is too small for the target rate to mean much. */
  warning: string | null;
}

/** The sample cannot be split into a fitting and a held-out part: the caller's data, not a fault. */
export class CalibrationSampleError extends Error {}

/** The group a sample belongs to: its own, else its key alone. */
const groupOf = (s: CalibrationSample) => s.group ?? s.key;

/** Deterministic split by the hash of the group, so re-running on the same sample gives the same result. */
function isHeldOut(sample: CalibrationSample, heldOutShare: number): boolean {
  const digest = createHash('sha256').update(groupOf(sample)).digest();
  return digest.readUInt32BE(0) / 2 ** 32 < heldOutShare;
}

/** The rate above `threshold`, its Wilson interval on the effective sample size when the images come in groups. */
function heldOutRate(samples: readonly CalibrationSample[], threshold: number): HeldOutRate {
  return {
    ...groupedRate(samples.map((s) => ({ flagged: s.score > threshold, group: groupOf(s) }))),
    heldOut: samples.length,
  };
}

/**
 * Chooses the threshold at `targetFpr` on two thirds of a clean sample and measures the
 * false-positive rate it gives on the other third, with a 95% Wilson interval, overall and
 * per branch.
 */
export function calibrateThreshold(
  samples: readonly CalibrationSample[],
  targetFpr: number,
  heldOutShare = 1 / 3,
): CalibrationFit {
  const fitScores: number[] = [];
  const heldOut: CalibrationSample[] = [];
  for (const s of samples) {
    if (isHeldOut(s, heldOutShare)) heldOut.push(s);
    else fitScores.push(s.score);
  }
  if (fitScores.length === 0 || heldOut.length === 0) {
    throw new CalibrationSampleError(`calibration needs more clean images (got ${samples.length})`);
  }
  const threshold = thresholdAtFpr(fitScores, targetFpr);
  const byBranch: CalibrationFit['byBranch'] = {};
  for (const branch of [...new Set(samples.flatMap((s) => s.branch ?? []))].sort()) {
    byBranch[branch] = {
      images: samples.filter((s) => s.branch === branch).length,
      expectedFpr: heldOutRate(
        heldOut.filter((s) => s.branch === branch),
        threshold,
      ),
    };
  }
  const needed = Math.ceil(10 / targetFpr);
  return {
    threshold,
    expectedFpr: heldOutRate(heldOut, threshold),
    fitted: fitScores.length,
    byBranch,
    warning:
      samples.length < needed
        ? `${samples.length} clean images are few for a ${targetFpr * 100}% false-positive rate; ${needed} or more give a usable estimate`
        : null,
  };
}
