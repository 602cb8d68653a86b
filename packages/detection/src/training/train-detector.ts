import {
  type DetectionReport,
  type OperatingPointReport,
  reportAtThreshold,
  reportDetection,
  type ScoredExample,
} from '../evaluation/detection-report.ts';
import { thresholdAtFpr } from '../evaluation/metrics.ts';
import type { Branch } from '../features/branch.ts';
import { fitLogisticRegression, type LinearModel, linearScore } from './logistic-regression.ts';

export interface TrainingExample extends Omit<ScoredExample, 'score'> {
  /** The branch's features (see branchFeatures). */
  features: ArrayLike<number>;
  branch: Branch;
  /** Examples sharing a group (the source photo) never sit on both sides of a split. */
  group: string;
  /**
   * The JPEG quality a lossless corpus file was re-encoded at to widen the JPEG branch's
   * training set; null for the corpus's own files. Re-encoded examples are trained on and
   * reported per quality, apart from the corpus's figures.
   */
  reencodedQuality: number | null;
}

export interface TrainingOptions {
  l2: number;
  folds: number;
  targetFpr: number;
  /**
   * Train on re-encoded examples (default), or only score them: how a detector trained on the
   * corpus files alone does on other JPEG qualities (bench:jpeg-quality compares the two).
   */
  trainOnReencoded?: boolean;
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
  /** Each input example's offset score from the fold that did not train on its photo (NaN if none). */
  outOfFold: number[];
  /** Per attack type: trained with that attack type left out entirely. */
  heldOutAttacks: Record<string, DetectionReport>;
  /** Re-encoded examples, out of fold, per JPEG quality, at the shipped threshold (0). */
  reencoded: Record<number, OperatingPointReport>;
  /** Corpus files (re-encoded copies counted apart). */
  counts: { examples: number; clean: number; adversarial: number; groups: number; reencoded: number };
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

const isCorpusFile = (e: { reencodedQuality: number | null }) => e.reencodedQuality === null;

/** Which cross-validation fold each group (source photo) falls in: sorted groups, dealt in turn. */
export function assignFolds(groups: Iterable<string>, folds: number): Map<string, number> {
  return new Map([...new Set(groups)].sort().map((group, i) => [group, i % folds]));
}

/** Out-of-fold scores for every example, folds assigned by group. */
function crossValidatedScores(
  examples: readonly TrainingExample[],
  options: TrainingOptions,
  includeInTraining: (e: TrainingExample) => boolean,
): number[] {
  const foldOf = assignFolds(
    examples.map((e) => e.group),
    options.folds,
  );
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
  includeAttack: (e: TrainingExample) => boolean = () => true,
): {
  scored: (ScoredExample & Pick<TrainingExample, 'reencodedQuality'>)[];
  offsets: Record<Branch, number>;
  /** Offset out-of-fold score of each input example, in input order; NaN where none. */
  outOfFold: number[];
} {
  const scored: (ScoredExample & Pick<TrainingExample, 'reencodedQuality'>)[] = [];
  const outOfFold = new Array<number>(examples.length).fill(Number.NaN);
  const offsets: Record<Branch, number> = { lossless: Number.NaN, jpeg: Number.NaN };
  const trainable = (e: TrainingExample) => options.trainOnReencoded !== false || isCorpusFile(e);
  for (const branch of ['lossless', 'jpeg'] as const) {
    const indices = examples.flatMap((e, i) => (e.branch === branch ? [i] : []));
    const subset = indices.map((i) => examples[i] as TrainingExample);
    const scores = crossValidatedScores(subset, options, (e) => trainable(e) && includeAttack(e));
    // The operating point comes from the kind of clean images the model was trained on.
    offsets[branch] = thresholdAtFpr(
      scores.filter((score, i) => {
        const e = subset[i] as TrainingExample;
        return !e.adversarial && trainable(e) && !Number.isNaN(score);
      }),
      options.targetFpr,
    );
    subset.forEach((e, i) => {
      const score = scores[i] as number;
      if (Number.isNaN(score)) return;
      scored.push({ ...e, score: score - offsets[branch] });
      outOfFold[indices[i] as number] = score - offsets[branch];
    });
  }
  return { scored, offsets, outOfFold };
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
        scored.filter((e) => isCorpusFile(e) && (!e.adversarial || (e.attack ?? 'unknown') === attack)),
      );
    }
  }
  const corpus = examples.filter(isCorpusFile);
  const adversarial = corpus.filter((e) => e.adversarial).length;
  const { scored, offsets, outOfFold } = branchedOutOfFold(examples, options);
  const ofBranch = (branch: Branch) =>
    examples.filter((e) => e.branch === branch && (options.trainOnReencoded !== false || isCorpusFile(e)));
  const qualities = [...new Set(examples.map((e) => e.reencodedQuality))].filter((q) => q !== null).sort();
  const reencoded = Object.fromEntries(
    qualities.map((q) => [
      q,
      reportAtThreshold(
        scored.filter((e) => e.reencodedQuality === q),
        0,
      ),
    ]),
  );
  return {
    branches: {
      lossless: trainBranch(ofBranch('lossless'), options, offsets.lossless),
      jpeg: trainBranch(ofBranch('jpeg'), options, offsets.jpeg),
    },
    crossValidation: reportDetection(scored.filter(isCorpusFile)),
    outOfFold,
    heldOutAttacks,
    reencoded,
    counts: {
      examples: corpus.length,
      clean: corpus.length - adversarial,
      adversarial,
      groups: new Set(corpus.map((e) => e.group)).size,
      reencoded: examples.length - corpus.length,
    },
  };
}
