import {
  balancedWeights,
  fitLogisticRegression,
  groupedOutOfFold,
  linearScore,
  thresholdAtFpr,
} from '@advscreen/detection';
import { z } from 'zod';
import { logOdds } from './confidence-bound.ts';

/**
 * The model stage's decision, joint over what is known there: the detector's score (which it
 * passed), the consistency distance, the model's confidence (log-odds of its top class), how much
 * of its lead the top class loses when squeezed, and whether the detector read the input as a
 * JPEG (a JPEG squeezer moves a JPEG less). The layers alone each hold a threshold; together they
 * see what none sees alone, e.g. an image the detector nearly flagged whose prediction also moves
 * when squeezed, or a query attack's adversarial that stops right across the decision boundary
 * (docs/inference.md).
 */
export const JOINT_FEATURES = [
  'detectorScore',
  'consistency',
  'topLogOdds',
  'consistencySquared',
  'detectorScoreTimesConsistency',
  'jpegInput',
  'jpegInputTimesConsistency',
  'jpegInputTimesTopLogOdds',
  'topMarginDrop',
  'jpegInputTimesTopMarginDrop',
  'translatedDistance',
  'jpegInputTimesTranslatedDistance',
  'translatedMarginDrop',
  'jpegInputTimesTranslatedMarginDrop',
] as const;
export type JointFeature = (typeof JOINT_FEATURES)[number];

/**
 * Earlier rules' terms, whose checks files still load: before `topMarginDrop` (up to stop 15),
 * before the translated copy (up to stop 26).
 */
const EARLIER_JOINT_FEATURES = [JOINT_FEATURES.slice(0, 8), JOINT_FEATURES.slice(0, 10)];
const KNOWN_FEATURE_LISTS = [JOINT_FEATURES, ...EARLIER_JOINT_FEATURES].map((names) => names.join());
const TRANSLATED_FEATURES: readonly JointFeature[] = JOINT_FEATURES.slice(10);

/** The rule, if any, reads the model's answer on a translated copy of the image (one more model run per image). */
export const usesTranslatedCopy = (rule: { features: readonly JointFeature[] } | null | undefined): boolean =>
  rule?.features.some((name) => TRANSLATED_FEATURES.includes(name)) ?? false;

export const JointRule = z
  .object({
    features: z.array(z.enum(JOINT_FEATURES)).refine((names) => KNOWN_FEATURE_LISTS.includes(names.join()), {
      message: `must be ${JOINT_FEATURES.join(', ')} (or its first 8 or 10)`,
    }),
    model: z.object({
      mean: z.array(z.number()),
      scale: z.array(z.number()),
      weights: z.array(z.number()),
      bias: z.number(),
    }),
    /** Scores above this fail the check. */
    threshold: z.number(),
    /** Share of clean images the detector, the output sanity checks and this rule may flag together. */
    targetFpr: z.number().positive().lt(1),
    /**
     * Share of clean images the sanity checks' bounds are set to flag (their exceedances), kept
     * out of the rule's share. Absent in files written before stop 29, whose rules took the
     * detector's leftover alone and so let the cascade overspend by the sanity share.
     */
    sanityShare: z.number().min(0).lt(1).optional(),
    /**
     * `<id>@<version>` of the detector whose scores set the threshold (`fit-joint-rule.ts`, or
     * `calibrate-model` since); another detector's scores sit elsewhere, so the model stage
     * refuses to start behind one. Absent in files written before stop 17.
     */
    detector: z.string().min(1).optional(),
    /**
     * The detector's score of an input it did not read with a JPEG model enters the rule no lower
     * than this: below it, a smoother photo's lower score says nothing more about an attack the
     * detector cannot see (DeepFool, CW-L2), and an unfloored rule reads it as evidence of a
     * clean image. JPEG inputs keep their scores: their models' clean scores sit elsewhere, and
     * one floor for both flagged more clean JPEGs (docs/inference.md). Absent: no floor.
     */
    detectorFloor: z.number().optional(),
  })
  .refine(
    ({ features, model }) =>
      [model.mean, model.scale, model.weights].every((v) => v.length === features.length),
    { message: 'the model needs one mean, scale and weight per feature' },
  );
export type JointRule = z.infer<typeof JointRule>;

/** What the rule sees of one image the detector passed. */
export interface JointEvidence {
  detectorScore: number;
  /** The detector scored it with its JPEG model (a JPEG analysed on its own pixels). */
  jpegInput: boolean;
  consistency: number;
  topProbability: number;
  /** `topMarginDrop`: the top class's lead lost in the squeezed copy (log scale). */
  marginDrop: number;
  /** The same two measures against the translated copy; null when it was not run. */
  translated: TranslatedEvidence | null;
}

/** How far the model's answer moves when the image is translated (see translateImage). */
export interface TranslatedEvidence {
  /** Distance between the outputs, as the consistency distance. */
  distance: number;
  /** The top class's lead lost, as `topMarginDrop`. */
  marginDrop: number;
}

export function jointFeatures(
  {
    detectorScore: rawDetectorScore,
    jpegInput,
    consistency,
    topProbability,
    marginDrop,
    translated,
  }: JointEvidence,
  features: readonly JointFeature[] = JOINT_FEATURES,
  detectorFloor?: number,
): number[] {
  const detectorScore =
    detectorFloor === undefined || jpegInput ? rawDetectorScore : Math.max(rawDetectorScore, detectorFloor);
  const topLogOdds = logOdds(topProbability);
  const jpeg = jpegInput ? 1 : 0;
  if (!translated && usesTranslatedCopy({ features })) {
    throw new Error('this joint rule reads the translated copy, which was not run');
  }
  const shift = translated ?? { distance: 0, marginDrop: 0 };
  const values: Record<JointFeature, number> = {
    detectorScore,
    consistency,
    topLogOdds,
    consistencySquared: consistency * consistency,
    detectorScoreTimesConsistency: detectorScore * consistency,
    jpegInput: jpeg,
    jpegInputTimesConsistency: jpeg * consistency,
    jpegInputTimesTopLogOdds: jpeg * topLogOdds,
    topMarginDrop: marginDrop,
    jpegInputTimesTopMarginDrop: jpeg * marginDrop,
    translatedDistance: shift.distance,
    jpegInputTimesTranslatedDistance: jpeg * shift.distance,
    translatedMarginDrop: shift.marginDrop,
    jpegInputTimesTranslatedMarginDrop: jpeg * shift.marginDrop,
  };
  return features.map((name) => values[name]);
}

export function jointScore(
  rule: Pick<JointRule, 'features' | 'model' | 'detectorFloor'>,
  evidence: JointEvidence,
): number {
  return linearScore(rule.model, jointFeatures(evidence, rule.features, rule.detectorFloor));
}

/** A clean image as the threshold sees it: the rule's score, and whether the detector flagged it already. */
interface ScoredClean {
  score: number;
  detectorFlagged: boolean;
}

/**
 * How many of these clean images the rule may flag: what the detector and the sanity checks left
 * of the budget (`targetFpr` of them, less those the detector flagged and the sanity checks'
 * designed share); 0 when they spent it all.
 */
export function ruleAllowance(
  clean: readonly { detectorFlagged: boolean }[],
  targetFpr: number,
  sanityShare: number,
): number {
  const flagged = clean.filter((e) => e.detectorFlagged).length;
  return Math.max((targetFpr - sanityShare) * clean.length - flagged, 0);
}

/** The rule's threshold: its allowance (ruleAllowance) as a rate among the images the detector passed. */
function thresholdForBudget(clean: readonly ScoredClean[], targetFpr: number, sanityShare: number): number {
  const passed = clean.filter((e) => !e.detectorFlagged);
  const share = ruleAllowance(clean, targetFpr, sanityShare) / Math.max(passed.length, 1);
  if (share <= 0) return Number.MAX_VALUE; // no budget left: never fires (and stays valid JSON, unlike Infinity)
  return thresholdAtFpr(
    passed.map((e) => e.score),
    share,
  );
}

/** The threshold of a fitted rule on other clean images: `calibrate-model` moves a rule to a user's own traffic with it. */
export function jointThreshold(
  rule: Pick<JointRule, 'features' | 'model' | 'targetFpr' | 'sanityShare' | 'detectorFloor'>,
  clean: readonly (JointEvidence & { detectorFlagged: boolean })[],
): number {
  return thresholdForBudget(
    clean.map((e) => ({
      score: jointScore(rule, e),
      detectorFlagged: e.detectorFlagged,
    })),
    rule.targetFpr,
    rule.sanityShare ?? 0,
  );
}

export interface JointExample extends JointEvidence {
  adversarial: boolean;
  /** Flagged by the detector already: trained on, but outside the rule's share of the budget. */
  detectorFlagged: boolean;
  /** Source photo: examples of one group never sit on both sides of a split. */
  group: string;
}

/** Which terms a rule is fitted on, and the floor its detector score enters at. */
interface RuleShape {
  features: readonly JointFeature[];
  detectorFloor?: number;
}

function fit(examples: readonly JointExample[], l2: number, shape: RuleShape) {
  if (!examples.some((e) => e.adversarial) || examples.every((e) => e.adversarial)) {
    throw new Error('the joint rule needs clean and adversarial examples');
  }
  return fitLogisticRegression(
    examples.map((e) => jointFeatures(e, shape.features, shape.detectorFloor)),
    examples.map((e) => (e.adversarial ? 1 : 0)),
    { l2, sampleWeights: balancedWeights(examples) },
  );
}

/**
 * Fits the rule (L2-regularised logistic regression, classes weighted equally) on all examples,
 * and sets its threshold on scores the rule gave images it was not fitted on (grouped
 * cross-validation), so that the clean images flagged by the detector, the sanity checks
 * (`sanityShare`, their bounds' designed exceedances) or the rule are about `targetFpr` of all
 * clean images also on new photos. The detector's scores must come from a
 * detector that did not train on these images (out of fold), or the rule learns to trust it
 * too much.
 */
export function fitJointRule(
  examples: readonly JointExample[],
  targetFpr: number,
  options: {
    l2?: number;
    folds?: number;
    sanityShare?: number;
    /** The rule's terms (a refit keeps the shape of the rule it replaces). */
    features?: readonly JointFeature[];
    detectorFloor?: number;
  } = {},
): JointRule {
  const shape: RuleShape = {
    features: options.features ?? JOINT_FEATURES,
    detectorFloor: options.detectorFloor,
  };
  // One infinite or NaN value (a detector score from a model with no operating point) would make
  // every weight NaN, and the checks file written from the rule unloadable.
  const unusable = examples.filter((e) => !jointFeatures(e).every(Number.isFinite));
  if (unusable.length > 0)
    throw new Error(
      `the joint rule needs finite evidence: ${unusable.length} of ${examples.length} examples have none (the first from ${unusable[0]?.group})`,
    );
  const l2 = options.l2 ?? 0.01;
  const sanityShare = options.sanityShare ?? 0;
  const folds = options.folds ?? 5;
  const outOfFold = groupedOutOfFold(
    examples,
    folds,
    () => true,
    (training) => {
      const model = fit(training, l2, shape);
      return (e) => linearScore(model, jointFeatures(e, shape.features, shape.detectorFloor));
    },
  );
  const clean = examples.flatMap((e, i) =>
    e.adversarial || Number.isNaN(outOfFold[i])
      ? []
      : [{ score: outOfFold[i] as number, detectorFlagged: e.detectorFlagged }],
  );
  return {
    features: [...shape.features],
    model: fit(examples, l2, shape),
    threshold: thresholdForBudget(clean, targetFpr, sanityShare),
    targetFpr,
    sanityShare,
    ...(shape.detectorFloor === undefined ? {} : { detectorFloor: shape.detectorFloor }),
  };
}
