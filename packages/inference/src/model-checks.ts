import type { RgbImage } from '@advscreen/contracts';
import { readJsonFileAs } from '@advscreen/detection';
import { z } from 'zod';
import { JointRule, type TranslatedEvidence } from './joint-rule.ts';
import type { LoadedModelSpec } from './model-spec.ts';
import { type Model, type ModelOutput, topPrediction } from './onnx-model.ts';
import { outputDistance } from './output-distance.ts';
import { jpegRoundTrip, medianFilter2x2, reduceBitDepth, translateImage } from './squeeze.ts';

export const Squeezer = z.enum(['median2x2', 'bits5', 'bits4', 'jpeg50']);
export type Squeezer = z.infer<typeof Squeezer>;

const SQUEEZE: Record<Squeezer, (image: RgbImage) => RgbImage | Promise<RgbImage>> = {
  median2x2: medianFilter2x2,
  bits5: (image) => reduceBitDepth(image, 5),
  bits4: (image) => reduceBitDepth(image, 4),
  jpeg50: (image) => jpegRoundTrip(image, 50),
};

/** Operating points of the model-aware checks, fitted on clean images by `advscreen calibrate-model`. */
export const ModelChecksFile = z.object({
  format: z.literal('advscreen-model-checks'),
  /** `<id>@<version>` of the model the numbers belong to. */
  model: z.string(),
  consistency: z.object({
    squeezers: z.array(Squeezer).min(1),
    threshold: z.number(),
    targetFpr: z.number(),
    expectedFpr: z.object({
      estimate: z.number(),
      low: z.number(),
      high: z.number(),
      heldOut: z.number().int(),
    }),
  }),
  /** Top-class probabilities (detection scores) above this are implausible (see fitConfidenceBound). */
  confidenceBound: z.number(),
  /**
   * When present, the consistency check decides jointly with the detector's score and the
   * model's confidence (joint-rule.ts) instead of by its own threshold.
   */
  joint: JointRule.optional(),
  /**
   * Classification only: a top-two margin (log p1 - log p2) below this bound puts the answer on
   * a decision boundary (see fitMarginBound). Absent in files made before the check.
   */
  decisionMargin: z
    .object({
      bound: z.number().nonnegative(),
      exceedance: z.number().positive().lt(1),
      images: z.number().int(),
    })
    .optional(),
  /** How the bound was fitted; absent in files that took the sample's maximum. */
  confidenceFit: z
    .object({
      method: z.enum(['tail', 'max']),
      exceedance: z.number().positive().lt(1),
      images: z.number().int(),
    })
    .optional(),
  sample: z.object({ location: z.string(), images: z.number().int() }),
  createdAt: z.string(),
});
export type ModelChecksFile = z.infer<typeof ModelChecksFile>;

/**
 * The share of clean images the output sanity checks are set to flag: the exceedances their
 * bounds were fitted for. The joint rule leaves it to them (joint-rule.ts, `sanityShare`).
 */
export function sanityShareOf(checks: Pick<ModelChecksFile, 'confidenceFit' | 'decisionMargin'>): number {
  return (checks.confidenceFit?.exceedance ?? 0) + (checks.decisionMargin?.exceedance ?? 0);
}

export function loadModelChecks(path: string): ModelChecksFile {
  return readJsonFileAs(ModelChecksFile, path, 'model checks file');
}

/** A checks file made for another model than the one it is given to. */
export class ModelChecksMismatchError extends Error {}

/**
 * The checks a model runs with: the file named (`--model-checks`, ADVSCREEN_MODEL_CHECKS), else
 * the one its spec names; and, for logs and summaries, where their operating points come from.
 */
export function loadChecksFor(
  spec: Pick<LoadedModelSpec, 'id' | 'version' | 'checksPath'>,
  named?: string,
  /** `<id>@<version>` of the detector in front of the model; a joint rule set for another is refused. */
  detector?: string,
): { checks: ModelChecksFile | undefined; source: string } {
  const checksPath = named ?? spec.checksPath;
  if (!checksPath) {
    return {
      checks: undefined,
      source: 'none: no checks file, so no consistency threshold or bounds (run advscreen calibrate-model)',
    };
  }
  const checks = loadModelChecks(checksPath);
  const model = `${spec.id}@${spec.version}`;
  if (checks.model !== model) {
    throw new ModelChecksMismatchError(`${checksPath} was calibrated for ${checks.model}, not ${model}`);
  }
  const jointDetector = checks.joint?.detector;
  if (detector !== undefined && jointDetector !== undefined && jointDetector !== detector) {
    throw new ModelChecksMismatchError(
      `${checksPath}'s joint rule was set on the scores of ${jointDetector}, but the detector is ${detector}: run advscreen calibrate-model again with this detector`,
    );
  }
  const sample = `${checks.sample.images} clean images (${checks.sample.location})`;
  return {
    checks,
    source:
      named === undefined
        ? `the checks its spec names (${checksPath}), calibrated on ${sample}; run advscreen calibrate-model on your own clean images`
        : `${checksPath}, calibrated on ${sample}`,
  };
}

export interface Inspection {
  output: ModelOutput;
  /** Top class and probability, or best detection and score; null when nothing was detected. */
  prediction: { label: string; probability: number } | null;
  /** Largest distance between the image's output and its squeezed copies'; null when off. */
  consistency: number | null;
  /** Largest loss of the top class's lead (`topMarginDrop`) over the squeezed copies; null when off or for detections. */
  marginDrop: number | null;
  /** How the answer moved on the translated copy; null when not asked for, and for detections. */
  translated: TranslatedEvidence | null;
  /** Which check failed, if any. */
  failure: { layer: 'consistency' | 'sanity'; reason: string } | null;
}

export interface InspectionSettings {
  /** Off: one model run per image, no squeezed copies. */
  consistency: { squeezers: Squeezer[]; threshold: number } | null;
  confidenceBound: number | null;
  /** Classification margins (log p1 - log p2) below this fail the sanity check. */
  marginBound?: number | null;
  /** Applied by the model stage, which knows each image's detector score; needs consistency on. */
  joint?: JointRule | null;
  /** Run a translated copy too (`TRANSLATION` pixels right and down), for a joint rule that reads it. */
  translatedCopy?: boolean;
}

/** How far the translated copy is moved, right and down, in pixels (docs/inference.md, "The translated copy"). */
export const TRANSLATION = 2;

/** Probabilities are float32: keep a clean 0 finite on the log scale. */
const FLOOR = 1e-12;

/** How far class `index` leads the best other class: log p_index - log p_next. */
function leadOf(probabilities: readonly number[], index: number): number {
  let next = 0;
  for (let i = 0; i < probabilities.length; i++)
    if (i !== index) next = Math.max(next, probabilities[i] ?? 0);
  return Math.log(Math.max(probabilities[index] ?? 0, FLOOR)) - Math.log(Math.max(next, FLOOR));
}

/** How far a classification sits from a tie between its top two classes: log p1 - log p2; null for detections. */
export function decisionMargin(output: ModelOutput): number | null {
  if (output.kind !== 'classification' || output.probabilities.length < 2) return null;
  return leadOf(output.probabilities, output.index);
}

/**
 * How much of its lead over the next class the image's top class loses in a squeezed copy:
 * (log p_top - log p_next) on the image less the same, for the same class, on the copy. A clean
 * image the model is merely unsure of keeps its top class's lead when squeezed, even where its
 * probabilities move; an adversarial lead built from the removed detail shrinks or reverses.
 * Null for detections.
 */
export function topMarginDrop(output: ModelOutput, squeezed: ModelOutput): number | null {
  if (output.kind !== 'classification' || squeezed.kind !== 'classification') return null;
  if (output.probabilities.length < 2) return null;
  return leadOf(output.probabilities, output.index) - leadOf(squeezed.probabilities, output.index);
}

/**
 * Output sanity. Classification: finite probabilities that sum to one, not on a decision
 * boundary. Detection: finite outputs, boxes mostly inside the image and at least a pixel wide.
 * Both: no more confidence than clean data showed.
 */
export function checkSanity(
  output: ModelOutput,
  confidenceBound: number | null,
  marginBound: number | null = null,
): string | null {
  if (output.kind === 'classification') {
    if (!output.probabilities.every(Number.isFinite)) return 'non_finite_output';
    const sum = output.probabilities.reduce((a, b) => a + b, 0);
    if (Math.abs(sum - 1) > 1e-3) return 'probabilities_do_not_sum_to_one';
  } else {
    if (output.nonFinite) return 'non_finite_output';
    if (output.degenerate > 0) return 'degenerate_box';
    if (output.outsideImage > 0) return 'box_outside_image';
  }
  const top = topPrediction(output);
  if (confidenceBound !== null && top && top.probability > confidenceBound) return 'implausible_confidence';
  const margin = decisionMargin(output);
  if (marginBound != null && margin !== null && margin < marginBound)
    return 'prediction_on_decision_boundary';
  return null;
}

/**
 * The model-aware second check (feature squeezing, Xu et al. NDSS 2018) and output sanity
 * checks. Each image and its squeezed copies go through the model in one batch.
 */
export async function inspectImages(
  model: Model,
  images: readonly RgbImage[],
  settings: InspectionSettings,
  /** Per image, whether its translated copy is wanted (with `translatedCopy` on); default all. */
  translatedFor?: readonly boolean[],
): Promise<Inspection[]> {
  const squeezers = settings.consistency?.squeezers ?? [];
  const squeezed = await Promise.all(
    squeezers.flatMap((name) => images.map((image) => SQUEEZE[name](image))),
  );
  // Each image's place among the translated copies, or -1 for none.
  let copiesSoFar = 0;
  const translatedSlot = images.map((_, i) =>
    settings.translatedCopy && (translatedFor?.[i] ?? true) ? copiesSoFar++ : -1,
  );
  const translated = images.flatMap((image, i) =>
    (translatedSlot[i] as number) >= 0 ? [translateImage(image, TRANSLATION, TRANSLATION)] : [],
  );
  const batch = [...images, ...squeezed, ...translated];
  const outputs = await model.run(batch);
  return images.map((_, i) => {
    const output = outputs[i] as ModelOutput;
    // The batch holds all images, then each squeezer's copies of them, then the translated copies.
    const copies = squeezers.map((_, s) => outputs[(s + 1) * images.length + i] as ModelOutput);
    const slot = translatedSlot[i] as number;
    const translatedOutput =
      slot >= 0 ? (outputs[(squeezers.length + 1) * images.length + slot] as ModelOutput) : null;
    const consistency = settings.consistency
      ? Math.max(0, ...copies.map((copy) => outputDistance(output, copy)))
      : null;
    const marginDrops = copies.flatMap((copy) => topMarginDrop(output, copy) ?? []);
    const marginDrop = marginDrops.length > 0 ? Math.max(...marginDrops) : null;
    const insane = checkSanity(output, settings.confidenceBound, settings.marginBound ?? null);
    const failure = insane
      ? { layer: 'sanity' as const, reason: insane }
      : settings.consistency && consistency !== null && consistency > settings.consistency.threshold
        ? { layer: 'consistency' as const, reason: 'squeezed_prediction_disagrees' }
        : null;
    const translatedDrop = translatedOutput ? topMarginDrop(output, translatedOutput) : null;
    return {
      output,
      prediction: topPrediction(output),
      consistency,
      marginDrop,
      translated:
        translatedOutput && translatedDrop !== null
          ? { distance: outputDistance(output, translatedOutput), marginDrop: translatedDrop }
          : null,
      failure,
    };
  });
}
