import { type DetectionReport, reportDetection, type ScoredExample } from '../evaluation/detection-report.ts';
import { thresholdAtFpr } from '../evaluation/metrics.ts';
import { type Branch, branchOf } from '../features/branch.ts';
import { fitLogisticRegression, type LinearModel, linearScore } from './logistic-regression.ts';

export interface TrainingExample extends Omit<ScoredExample, 'score'> {
  features: ArrayLike<number>;
  /** Examples sharing a group (the source photo) never sit on both sides of a split. */
  group: string;
}

export interface TrainingOptions {
  l2: number;
  folds: number;
  targetFpr: number;
}

export interface TrainedBranch {
  model: LinearModel;
  /** Logit at `targetFpr` on this branch's out-of-fold clean scores; subtracted from every score. */
  offset: number;
  examples: number;
  clean: number;
}

export interface TrainingResult {
  branches: Record<Branch, TrainedBranch>;
  /** Scores are offset per branch, so one threshold (0 by default) serves both. */
  crossValidation: DetectionReport;
  /** Per attack type: trained with that attack type left out entirely. */
  heldOutAttacks: Record<string, DetectionReport>;
  counts: { examples: number; clean: number; adversarial: number; groups: number };
}

/** Weights so each class contributes equally, whatever the ratio of examples. */
function balancedWeights(examples: readonly TrainingExample[]): number[] {
  const positives = examples.filter((e) => e.adversarial).length;
  const negatives = examples.length - positives;
  return examples.map((e) =>
    e.adversarial
      ? examples.length / (2 * Math.max(positives, 1))
      : examples.length / (2 * Math.max(negatives, 1)),
  );
}

function fit(examples: readonly TrainingExample[], l2: number): LinearModel {
  return fitLogisticRegression(
    examples.map((e) => e.features),
    examples.map((e) => (e.adversarial ? 1 : 0)),
    { l2, sampleWeights: balancedWeights(examples) },
  );
}

/** Out-of-fold scores for every example, folds assigned by group. */
function crossValidatedScores(
  examples: readonly TrainingExample[],
  options: TrainingOptions,
  includeInTraining: (e: TrainingExample) => boolean,
): number[] {
  const groups = [...new Set(examples.map((e) => e.group))].sort();
  const foldOf = new Map(groups.map((g, i) => [g, i % options.folds]));
  const scores = new Array<number>(examples.length).fill(Number.NaN);
  for (let fold = 0; fold < options.folds; fold++) {
    const training = examples.filter((e) => foldOf.get(e.group) !== fold && includeInTraining(e));
    if (!training.some((e) => e.adversarial) || training.every((e) => e.adversarial)) continue;
    const model = fit(training, options.l2);
    examples.forEach((e, i) => {
      if (foldOf.get(e.group) === fold) scores[i] = linearScore(model, e.features);
    });
  }
  return scores;
}

/**
 * Out-of-fold scores of all examples with each branch's own model, offset so that each
 * branch's threshold at `targetFpr` sits at 0.
 */
function branchedOutOfFold(
  examples: readonly TrainingExample[],
  options: TrainingOptions,
  includeInTraining: (e: TrainingExample) => boolean = () => true,
): { scored: ScoredExample[]; offsets: Record<Branch, number> } {
  const scored: ScoredExample[] = [];
  const offsets: Record<Branch, number> = { lossless: Number.NaN, jpeg: Number.NaN };
  for (const branch of ['lossless', 'jpeg'] as const) {
    const subset = examples.filter((e) => branchOf(e.format) === branch);
    const scores = crossValidatedScores(subset, options, includeInTraining);
    offsets[branch] = thresholdAtFpr(
      scores.filter((score, i) => !subset[i]?.adversarial && !Number.isNaN(score)),
      options.targetFpr,
    );
    subset.forEach((e, i) => {
      const score = scores[i] as number;
      if (!Number.isNaN(score)) scored.push({ ...e, score: score - offsets[branch] });
    });
  }
  return { scored, offsets };
}

function trainBranch(
  examples: readonly TrainingExample[],
  options: TrainingOptions,
  offset: number,
): TrainedBranch {
  const clean = examples.filter((e) => !e.adversarial).length;
  if (clean === 0 || clean === examples.length) {
    throw new Error('each branch (JPEG and lossless inputs) needs both clean and adversarial examples');
  }
  return { model: fit(examples, options.l2), offset, examples: examples.length, clean };
}

/**
 * Fits one model per input branch (JPEG-decoded and lossless inputs have different noise
 * statistics) and reports how the detector does on photos it did not see (grouped
 * cross-validation) and on attack types it did not see (each left out in turn).
 */
export function trainDetector(
  examples: readonly TrainingExample[],
  options: TrainingOptions,
): TrainingResult {
  const attacks = [
    ...new Set(examples.filter((e) => e.adversarial).map((e) => e.attack ?? 'unknown')),
  ].sort();
  const heldOutAttacks: Record<string, DetectionReport> = {};
  if (attacks.length > 1) {
    for (const attack of attacks) {
      const { scored } = branchedOutOfFold(examples, options, (e) => (e.attack ?? 'unknown') !== attack);
      heldOutAttacks[attack] = reportDetection(
        scored.filter((e) => !e.adversarial || (e.attack ?? 'unknown') === attack),
      );
    }
  }
  const adversarial = examples.filter((e) => e.adversarial).length;
  const { scored, offsets } = branchedOutOfFold(examples, options);
  const ofBranch = (branch: Branch) => examples.filter((e) => branchOf(e.format) === branch);
  return {
    branches: {
      lossless: trainBranch(ofBranch('lossless'), options, offsets.lossless),
      jpeg: trainBranch(ofBranch('jpeg'), options, offsets.jpeg),
    },
    crossValidation: reportDetection(scored),
    heldOutAttacks,
    counts: {
      examples: examples.length,
      clean: examples.length - adversarial,
      adversarial,
      groups: new Set(examples.map((e) => e.group)).size,
    },
  };
}
