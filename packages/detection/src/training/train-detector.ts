import {
  type DetectionReport,
  type OperatingPointReport,
  reportAtThreshold,
  reportDetection,
  type ScoredExample,
} from '../evaluation/detection-report.ts';
import { rateAbove, thresholdAtFpr } from '../evaluation/metrics.ts';
import {
  BRANCHES,
  type Branch,
  chromaOfBranch,
  HEADS,
  type Head,
  isJpegBranch,
  JPEG_CHROMAS,
  nearestAvailable,
} from '../features/branch.ts';
import {
  attackBalancedWeights,
  balancedWeights,
  fitLogisticRegression,
  type LinearModel,
  linearScore,
} from './logistic-regression.ts';

export interface TrainingExample extends Omit<ScoredExample, 'score'> {
  /** Each head's features for the example's branch (see headFeatures). */
  features: Record<Head, ArrayLike<number>>;
  branch: Branch;
  /** Examples sharing a group (the source photo) never sit on both sides of a split. */
  group: string;
  /**
   * The JPEG quality a lossless corpus file was re-encoded at to widen the JPEG branch's
   * training set; null for the corpus's own files. Re-encoded examples are trained on and
   * reported per quality, apart from the corpus's figures.
   */
  reencodedQuality: number | null;
  /**
   * Analysed on the file's own pixels (already analysis size), as every corpus file is. Clean
   * files resized for analysis (real traffic's large JPEG and WebP) are trained on, but the
   * operating point and the reported rates are set on the others; their own false-positive
   * rate is reported apart.
   */
  ownPixels: boolean;
  /** Trained on but left out of the reported tables (e.g. attacks made on extra photos). */
  trainOnly?: boolean;
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
  /**
   * Attack types the stripes head learns: query attacks that leave flat blocks and stripes
   * (default Square). The dense head learns every other attack.
   */
  stripeAttacks?: readonly string[];
  /**
   * Branches with a stripes head where their data has Square attacks (default all but resized,
   * grey and graphics inputs; on JPEG it reads luminance stripes too, which 4:2:0 chroma
   * subsampling leaves alone). Inputs resized for analysis have none: resampling smooths
   * one-pixel stripes away.
   */
  stripesBranches?: readonly Branch[];
  /**
   * Weigh every attack type the same within the adversarial class (default: every example the
   * same), so plentiful attacks do not crowd out rarer ones.
   */
  balanceAttacks?: boolean;
  /**
   * The stripes head's share of a branch's `targetFpr` where the branch has both heads (default
   * DEFAULT_STRIPES_SHARE, half each); the dense head gets the rest. Moves which head's high clean
   * scores rank first.
   */
  stripesShare?: number;
}

export const DEFAULT_STRIPES_SHARE = 0.5;

export interface TrainedHead {
  model: LinearModel;
  /** Logit at this head's share of `targetFpr` on its out-of-fold clean scores; subtracted from every score. */
  offset: number;
  examples: number;
  clean: number;
}

/** A branch's heads; the stripes head is absent when the training data has no stripe attacks or the branch has none. */
export type TrainedBranch = { dense: TrainedHead; stripes?: TrainedHead };

export interface TrainingResult {
  /**
   * The optional branches only when the training data has their inputs: resized for analysis,
   * JPEGs with full-resolution chroma, finely quantised JPEGs (re-encodings).
   */
  branches: Record<'jpeg' | 'lossless', TrainedBranch> & Partial<Record<Branch, TrainedBranch>>;
  /** Scores are offset per branch and head, so one threshold (0 by default) serves all. */
  crossValidation: DetectionReport;
  /** Each input example's offset score from the fold that did not train on its photo (NaN if none). */
  outOfFold: number[];
  /** Per attack type: trained with that attack type left out entirely. */
  heldOutAttacks: Record<string, DetectionReport>;
  /**
   * Re-encoded examples per chroma subsampling there are any of (whichever of that chroma's
   * models scores them), out of fold, per JPEG quality, at the shipped threshold (0).
   */
  reencoded: Partial<Record<ReencodingKind, Record<number, OperatingPointReport>>>;
  /** Clean files resized for analysis, out of fold: how many, and the share above the shipped threshold (0). */
  resizedClean: { examples: number; falsePositiveRate: number };
  /** Corpus files (re-encoded copies counted apart). */
  counts: {
    examples: number;
    clean: number;
    adversarial: number;
    groups: number;
    /** JPEG re-encodings of the lossless files. */
    reencoded: number;
    /** Lossy WebP re-encodings of them. */
    webpReencoded: number;
    /** AVIF re-encodings of them. */
    avifReencoded: number;
  };
}

/** What the lossless files are re-encoded as: JPEG per chroma subsampling, lossy WebP or AVIF. */
export const REENCODING_KINDS = [...JPEG_CHROMAS, 'webp', 'avif'] as const;
export type ReencodingKind = (typeof REENCODING_KINDS)[number];

/** The re-encoding kind a branch's models score, if they score re-encodings at all. */
const reencodingKindOf = (branch: Branch): ReencodingKind | null =>
  branch === 'webp' || branch === 'avif' ? branch : isJpegBranch(branch) ? chromaOfBranch(branch) : null;

const DEFAULT_STRIPE_ATTACKS = ['Square'];
// Grey inputs have no chroma, whose stripes the stripes head reads; graphics have no Square
// attacks to learn. (A branch gets a stripes head only when its data has Square attacks.)
const DEFAULT_STRIPES_BRANCHES: readonly Branch[] = BRANCHES.filter(
  (branch) => branch !== 'resized' && branch !== 'grey' && branch !== 'graphics',
);

function fit(examples: readonly TrainingExample[], head: Head, options: TrainingOptions): LinearModel {
  return fitLogisticRegression(
    examples.map((e) => e.features[head]),
    examples.map((e) => (e.adversarial ? 1 : 0)),
    {
      l2: options.l2,
      sampleWeights: options.balanceAttacks ? attackBalancedWeights(examples) : balancedWeights(examples),
    },
  );
}

const isCorpusFile = (e: { reencodedQuality: number | null }) => e.reencodedQuality === null;
/** What the models learn from: every example, or the corpus's own files only (`trainOnReencoded: false`). */
const trainableUnder = (options: TrainingOptions) => (e: TrainingExample) =>
  options.trainOnReencoded !== false || isCorpusFile(e);
/** What the cross-validated tables report on: the corpus's own files at analysis size, not train-only ones. */
const isReported = (e: { reencodedQuality: number | null; ownPixels: boolean; trainOnly?: boolean }) =>
  isCorpusFile(e) && e.ownPixels && !e.trainOnly;

/**
 * Which head learns an example: clean ones teach both; an attack teaches the head for its kind,
 * and in a branch without a stripes head the dense head learns every attack.
 */
function learnsFrom(head: Head, stripeAttacks: readonly string[], branchHasStripes: boolean) {
  return (e: TrainingExample) =>
    !e.adversarial ||
    (head === 'dense' && !branchHasStripes) ||
    stripeAttacks.includes(e.attack ?? 'unknown') === (head === 'stripes');
}

/** Which cross-validation fold each group (source photo) falls in: sorted groups, dealt in turn. */
export function assignFolds(groups: Iterable<string>, folds: number): Map<string, number> {
  return new Map([...new Set(groups)].sort().map((group, i) => [group, i % folds]));
}

/** A training set a logistic model can be fitted to: both classes present. */
const fittable = (examples: readonly { adversarial: boolean }[]) =>
  examples.some((e) => e.adversarial) && examples.some((e) => !e.adversarial);

/**
 * Clean examples whose scores set their branch's operating point: those analysed on their own
 * pixels, and, for the branch of inputs resized for analysis, those.
 */
const setsOperatingPoint = (e: Pick<TrainingExample, 'adversarial' | 'ownPixels' | 'branch'>) =>
  !e.adversarial && (e.ownPixels || e.branch === 'resized');

/**
 * Grouped k-fold: each example's score from a model fitted (by `fitScorer`) on the other folds'
 * examples that `trainOn` admits; NaN where that training set lacked a class.
 */
export function groupedOutOfFold<T extends { group: string; adversarial: boolean }>(
  examples: readonly T[],
  folds: number,
  trainOn: (e: T) => boolean,
  fitScorer: (training: readonly T[]) => (e: T) => number,
): number[] {
  const foldOf = assignFolds(
    examples.map((e) => e.group),
    folds,
  );
  const scores = new Array<number>(examples.length).fill(Number.NaN);
  for (let fold = 0; fold < folds; fold++) {
    const training = examples.filter((e) => foldOf.get(e.group) !== fold && trainOn(e));
    if (!fittable(training)) continue;
    const score = fitScorer(training);
    examples.forEach((e, i) => {
      if (foldOf.get(e.group) === fold) scores[i] = score(e);
    });
  }
  return scores;
}

/** One head's out-of-fold scores for every example, folds assigned by group; NaN where none. */
function crossValidatedScores(
  examples: readonly TrainingExample[],
  head: Head,
  options: TrainingOptions,
  includeInTraining: (e: TrainingExample) => boolean,
): number[] {
  return groupedOutOfFold(examples, options.folds, includeInTraining, (training) => {
    const model = fit(training, head, options);
    return (e) => linearScore(model, e.features[head]);
  });
}

/** A head's share of its branch's false-positive budget. */
function headShare(head: Head, heads: readonly Head[], stripesShare = DEFAULT_STRIPES_SHARE): number {
  if (heads.length === 1) return 1;
  return head === 'stripes' ? stripesShare : 1 - stripesShare;
}

type ScoredTrainingExample = ScoredExample &
  Pick<TrainingExample, 'reencodedQuality' | 'ownPixels' | 'trainOnly' | 'branch'>;

/**
 * Out-of-fold scores of all examples: per branch, each head's score less its offset (the
 * head's share of `targetFpr` on its clean scores, so the heads together stay within it), and
 * the example's score is the larger of its heads'.
 */
function branchedOutOfFold(
  examples: readonly TrainingExample[],
  options: TrainingOptions,
  includeAttack: (e: TrainingExample) => boolean = () => true,
): {
  scored: ScoredTrainingExample[];
  offsets: Partial<Record<Branch, Partial<Record<Head, number>>>>;
  outOfFold: number[];
} {
  const scored: ScoredTrainingExample[] = [];
  const outOfFold = new Array<number>(examples.length).fill(Number.NaN);
  const offsets: Partial<Record<Branch, Partial<Record<Head, number>>>> = {};
  const stripeAttacks = options.stripeAttacks ?? DEFAULT_STRIPE_ATTACKS;
  const stripesBranches = options.stripesBranches ?? DEFAULT_STRIPES_BRANCHES;
  const trainable = trainableUnder(options);
  for (const branch of BRANCHES) {
    const indices = examples.flatMap((e, i) => (e.branch === branch ? [i] : []));
    if (indices.length === 0) continue;
    const branchOffsets: Partial<Record<Head, number>> = {};
    offsets[branch] = branchOffsets;
    const subset = indices.map((i) => examples[i] as TrainingExample);
    const hasStripes = stripesBranches.includes(branch);
    const trainsOn = (head: Head) => (e: TrainingExample) =>
      trainable(e) && includeAttack(e) && learnsFrom(head, stripeAttacks, hasStripes)(e);
    const heads = HEADS.filter(
      (head) => (head === 'dense' || hasStripes) && fittable(subset.filter(trainsOn(head))),
    );
    const combined = new Array<number>(subset.length).fill(Number.NaN);
    for (const head of heads) {
      const scores = crossValidatedScores(subset, head, options, trainsOn(head));
      // The operating point comes from the kind of clean images the model was trained on.
      const offset = thresholdAtFpr(
        scores.filter((score, i) => {
          const e = subset[i] as TrainingExample;
          return setsOperatingPoint(e) && trainable(e) && !Number.isNaN(score);
        }),
        options.targetFpr * headShare(head, heads, options.stripesShare),
      );
      branchOffsets[head] = offset;
      scores.forEach((score, i) => {
        if (Number.isNaN(score)) return;
        const current = combined[i] as number;
        combined[i] = Number.isNaN(current) ? score - offset : Math.max(current, score - offset);
      });
    }
    subset.forEach((e, i) => {
      const score = combined[i] as number;
      if (Number.isNaN(score)) return;
      scored.push({ ...e, score });
      outOfFold[indices[i] as number] = score;
    });
  }
  return { scored, offsets, outOfFold };
}

function trainHead(
  examples: readonly TrainingExample[],
  head: Head,
  options: TrainingOptions,
  offset: number,
): TrainedHead {
  const clean = examples.filter((e) => !e.adversarial).length;
  return { model: fit(examples, head, options), offset, examples: examples.length, clean };
}

function trainBranch(
  examples: readonly TrainingExample[],
  options: TrainingOptions,
  offsets: Partial<Record<Head, number>> = {},
): TrainedBranch {
  const stripeAttacks = options.stripeAttacks ?? DEFAULT_STRIPE_ATTACKS;
  const ofHead = (head: Head) =>
    examples.filter(learnsFrom(head, stripeAttacks, offsets.stripes !== undefined));
  if (!fittable(ofHead('dense')) || offsets.dense === undefined) {
    throw new Error('each branch (JPEG and lossless inputs) needs both clean and adversarial examples');
  }
  const branch: TrainedBranch = { dense: trainHead(ofHead('dense'), 'dense', options, offsets.dense) };
  if (offsets.stripes !== undefined)
    branch.stripes = trainHead(ofHead('stripes'), 'stripes', options, offsets.stripes);
  return branch;
}

/**
 * The optional branches (inputs resized for analysis, JPEGs with full-resolution chroma or fine
 * quantisation) get a model of their own only when the corpus has clean and adversarial ones,
 * and clean ones that can set its operating point (graphics that are all thumbnails, scored
 * upscaled, cannot); otherwise the nearest model that has learns from them, as before there was one.
 */
function ownBranchOrNearest(examples: readonly TrainingExample[]): readonly TrainingExample[] {
  const own = new Set(
    BRANCHES.filter((branch) => {
      const ofBranch = examples.filter((e) => e.branch === branch);
      return fittable(ofBranch) && ofBranch.some(setsOperatingPoint);
    }),
  );
  const trainedBy = (branch: Branch) =>
    nearestAvailable(branch, (b) => own.has(b) || b === 'lossless' || b === 'jpeg');
  return examples.map((e) => {
    const branch = trainedBy(e.branch);
    return branch === e.branch ? e : { ...e, branch };
  });
}

/**
 * Fits two heads per input branch (JPEG-decoded and lossless inputs have different noise
 * statistics): a dense head on residual co-occurrences for per-pixel perturbations, and a
 * stripes head for query attacks that leave flat blocks and stripes. Reports how the detector
 * does on photos it did not see (grouped cross-validation) and on attack types it did not see
 * (each left out in turn).
 */
export function trainDetector(given: readonly TrainingExample[], options: TrainingOptions): TrainingResult {
  const examples = ownBranchOrNearest(given);
  // The lossless and JPEG models are always trained; with clean files but none on its own pixels
  // their operating point would be -Infinity, flagging everything (and written as null).
  for (const branch of ['lossless', 'jpeg'] as const) {
    const branchExamples = examples.filter((e) => e.branch === branch);
    if (branchExamples.some((e) => !e.adversarial) && !branchExamples.some(setsOperatingPoint))
      throw new Error(
        `the ${branch} model has ${branchExamples.length} examples but no clean one at analysis size on its own pixels to set its operating point (thumbnails and resized files cannot)`,
      );
  }
  const attacks = [
    ...new Set(examples.filter((e) => e.adversarial).map((e) => e.attack ?? 'unknown')),
  ].sort();
  const heldOutAttacks: Record<string, DetectionReport> = {};
  if (attacks.length > 1) {
    for (const attack of attacks) {
      const { scored } = branchedOutOfFold(examples, options, (e) => (e.attack ?? 'unknown') !== attack);
      heldOutAttacks[attack] = reportDetection(
        scored.filter((e) => isReported(e) && (!e.adversarial || (e.attack ?? 'unknown') === attack)),
      );
    }
  }
  const corpus = examples.filter(isCorpusFile);
  const adversarial = corpus.filter((e) => e.adversarial).length;
  const { scored, offsets, outOfFold } = branchedOutOfFold(examples, options);
  const resizedClean = scored.filter((e) => isCorpusFile(e) && !e.adversarial && !e.ownPixels);
  const trainable = trainableUnder(options);
  const ofBranch = (branch: Branch) => examples.filter((e) => e.branch === branch && trainable(e));
  const reencodedAs = (kind: ReencodingKind) => {
    const reencodings = scored.filter(
      (e) => reencodingKindOf(e.branch) === kind && e.reencodedQuality !== null && !e.trainOnly,
    );
    const qualities = [...new Set(reencodings.map((e) => e.reencodedQuality as number))].sort(
      (a, b) => a - b,
    );
    return Object.fromEntries(
      qualities.map((q) => [
        q,
        reportAtThreshold(
          reencodings.filter((e) => e.reencodedQuality === q),
          0,
        ),
      ]),
    );
  };
  return {
    branches: {
      lossless: trainBranch(ofBranch('lossless'), options, offsets.lossless),
      jpeg: trainBranch(ofBranch('jpeg'), options, offsets.jpeg),
      ...Object.fromEntries(
        BRANCHES.filter((b) => b !== 'lossless' && b !== 'jpeg' && ofBranch(b).length > 0).map((b) => [
          b,
          trainBranch(ofBranch(b), options, offsets[b]),
        ]),
      ),
    },
    crossValidation: reportDetection(scored.filter(isReported)),
    outOfFold,
    heldOutAttacks,
    reencoded: Object.fromEntries(
      REENCODING_KINDS.map((kind) => [kind, reencodedAs(kind)] as const).filter(
        ([, byQuality]) => Object.keys(byQuality).length > 0,
      ),
    ),
    resizedClean: {
      examples: resizedClean.length,
      falsePositiveRate: resizedClean.length
        ? rateAbove(
            resizedClean.map((e) => e.score),
            0,
          )
        : 0,
    },
    counts: {
      examples: corpus.length,
      clean: corpus.length - adversarial,
      adversarial,
      groups: new Set(corpus.map((e) => e.group)).size,
      reencoded: examples.filter((e) => !isCorpusFile(e) && e.format === 'jpeg').length,
      webpReencoded: examples.filter((e) => !isCorpusFile(e) && e.format === 'webp').length,
      avifReencoded: examples.filter((e) => !isCorpusFile(e) && e.format === 'avif').length,
    },
  };
}
