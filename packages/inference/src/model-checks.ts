import { readFileSync } from 'node:fs';
import type { RgbImage } from '@advscreen/contracts';
import { z } from 'zod';
import type { Classifier, Prediction } from './classifier.ts';
import { medianFilter2x2, reduceBitDepth, squeezeDistance } from './squeeze.ts';

export const Squeezer = z.enum(['median2x2', 'bits5', 'bits4']);
export type Squeezer = z.infer<typeof Squeezer>;

const SQUEEZE: Record<Squeezer, (image: RgbImage) => RgbImage> = {
  median2x2: medianFilter2x2,
  bits5: (image) => reduceBitDepth(image, 5),
  bits4: (image) => reduceBitDepth(image, 4),
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
  /** Top-class probabilities above this were never seen on clean images (the sample's maximum). */
  confidenceBound: z.number(),
  sample: z.object({ location: z.string(), images: z.number().int() }),
  createdAt: z.string(),
});
export type ModelChecksFile = z.infer<typeof ModelChecksFile>;

export function loadModelChecks(path: string): ModelChecksFile {
  return ModelChecksFile.parse(JSON.parse(readFileSync(path, 'utf8')));
}

export interface Inspection {
  prediction: Prediction;
  /** Largest L1 distance between the image's and its squeezed copies' probabilities; null when off. */
  consistency: number | null;
  /** Which check failed, if any. */
  failure: { layer: 'consistency' | 'sanity'; reason: string } | null;
}

export interface InspectionSettings {
  /** Off: one model run per image, no squeezed copies. */
  consistency: { squeezers: Squeezer[]; threshold: number } | null;
  confidenceBound: number | null;
}

/** Output sanity: finite probabilities that sum to one, and no more confidence than clean data shows. */
export function checkSanity(prediction: Prediction, confidenceBound: number | null): string | null {
  if (!prediction.probabilities.every(Number.isFinite)) return 'non_finite_output';
  const sum = prediction.probabilities.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-3) return 'probabilities_do_not_sum_to_one';
  if (confidenceBound !== null && prediction.probability > confidenceBound) return 'implausible_confidence';
  return null;
}

/**
 * The model-aware second check (feature squeezing, Xu et al. NDSS 2018) and output sanity
 * checks. Each image and its squeezed copies go through the model in one batch.
 */
export async function inspectImages(
  classifier: Classifier,
  images: readonly RgbImage[],
  settings: InspectionSettings,
): Promise<Inspection[]> {
  const squeezers = settings.consistency?.squeezers ?? [];
  const batch = [...images, ...squeezers.flatMap((name) => images.map((image) => SQUEEZE[name](image)))];
  const predictions = await classifier.classify(batch);
  return images.map((_, i) => {
    const prediction = predictions[i] as Prediction;
    const squeezed = squeezers.map(
      (_, s) => (predictions[(s + 1) * images.length + i] as Prediction).probabilities,
    );
    const consistency = settings.consistency ? squeezeDistance(prediction.probabilities, squeezed) : null;
    const insane = checkSanity(prediction, settings.confidenceBound);
    const failure = insane
      ? { layer: 'sanity' as const, reason: insane }
      : settings.consistency && consistency !== null && consistency > settings.consistency.threshold
        ? { layer: 'consistency' as const, reason: 'squeezed_prediction_disagrees' }
        : null;
    return { prediction, consistency, failure };
  });
}
