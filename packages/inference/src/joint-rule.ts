import { fitLogisticRegression, linearScore, thresholdAtFpr } from '@advscreen/detection';
import { z } from 'zod';

/**
 * The model stage's decision, joint over what is known there: the detector's score (which it
 * passed), the consistency distance and the model's confidence (log-odds of its top class). The
 * layers alone each hold a threshold; together they see what none sees alone, e.g. an image the
 * detector nearly flagged whose prediction also moves when squeezed, or a query attack's
 * adversarial that stops right across the decision boundary (docs/inference.md).
 */
export const JOINT_FEATURES = [
  'detectorScore',
  'consistency',
  'topLogOdds',
  'consistencySquared',
  'detectorScoreTimesConsistency',
] as const;

export const JointRule = z.object({
  features: z.array(z.enum(JOINT_FEATURES)).refine((names) => names.join() === JOINT_FEATURES.join(), {
    message: `must be ${JOINT_FEATURES.join(', ')}`,
  }),
  model: z.object({
    mean: z.array(z.number()).length(JOINT_FEATURES.length),
    scale: z.array(z.number()).length(JOINT_FEATURES.length),
    weights: z.array(z.number()).length(JOINT_FEATURES.length),
    bias: z.number(),
  }),
  /** Scores above this fail the check. */
  threshold: z.number(),
  /** Share of clean images the detector and this rule may flag together. */
  targetFpr: z.number().positive().lt(1),
});
export type JointRule = z.infer<typeof JointRule>;

/** What the rule sees of one image the detector passed. */
export interface JointEvidence {
  detectorScore: number;
  consistency: number;
  topProbability: number;
}

const EDGE = 1e-12;

export function jointFeatures({ detectorScore, consistency, topProbability }: JointEvidence): number[] {
  const p = Math.min(1 - EDGE, Math.max(EDGE, topProbability));
  return [
    detectorScore,
    consistency,
    Math.log(p / (1 - p)),
    consistency * consistency,
    detectorScore * consistency,
  ];
}

export function jointScore(rule: JointRule, evidence: JointEvidence): number {
  return linearScore(rule.model, jointFeatures(evidence));
}

export interface JointExample extends JointEvidence {
  adversarial: boolean;
  /** Flagged by the detector already: trained on, but outside the rule's share of the budget. */
  detectorFlagged: boolean;
}

/**
 * Fits the rule (L2-regularised logistic regression, classes weighted equally) and sets its
 * threshold so that the clean examples flagged by the detector or by the rule are `targetFpr`
 * of all clean examples. The detector's scores must come from a detector that did not train on
 * these images (out of fold), or the rule learns to trust it too much.
 */
export function fitJointRule(examples: readonly JointExample[], targetFpr: number, l2 = 0.01): JointRule {
  const positives = examples.filter((e) => e.adversarial).length;
  const negatives = examples.length - positives;
  if (positives === 0 || negatives === 0)
    throw new Error('the joint rule needs clean and adversarial examples');
  const model = fitLogisticRegression(
    examples.map(jointFeatures),
    examples.map((e) => (e.adversarial ? 1 : 0)),
    {
      l2,
      sampleWeights: examples.map((e) =>
        e.adversarial ? examples.length / (2 * positives) : examples.length / (2 * negatives),
      ),
    },
  );
  const rule = { features: [...JOINT_FEATURES], model, threshold: 0, targetFpr };
  return {
    ...rule,
    threshold: jointThreshold(
      rule,
      examples.filter((e) => !e.adversarial),
    ),
  };
}

/**
 * The rule's threshold on clean examples: what the detector left of the budget (`targetFpr` of
 * them, less those it flagged), as a rate among the ones it passed. `calibrate-model` uses it to
 * move a fitted rule to a user's own clean traffic.
 */
export function jointThreshold(
  rule: Pick<JointRule, 'model' | 'targetFpr'>,
  clean: readonly (JointEvidence & { detectorFlagged: boolean })[],
): number {
  const passedByDetector = clean.filter((e) => !e.detectorFlagged);
  const left = rule.targetFpr * clean.length - (clean.length - passedByDetector.length);
  const share = Math.max(left, 0) / Math.max(passedByDetector.length, 1);
  if (share <= 0) return Number.MAX_VALUE; // no budget left: never fires (and stays valid JSON, unlike Infinity)
  return thresholdAtFpr(
    passedByDetector.map((e) => linearScore(rule.model, jointFeatures(e))),
    share,
  );
}
