import type { RgbImage } from '@advscreen/contracts';
import type { Classifier } from './classifier.ts';
import { MicroBatcher } from './micro-batcher.ts';
import {
  type Inspection,
  type InspectionSettings,
  inspectImages,
  type ModelChecksFile,
} from './model-checks.ts';

export interface BatchingSettings {
  maxBatch: number;
  maxWaitMs: number;
}

export function inspectionSettings(
  checks: ModelChecksFile | undefined,
  consistencyEnabled: boolean,
): InspectionSettings {
  return {
    consistency:
      consistencyEnabled && checks
        ? { squeezers: checks.consistency.squeezers, threshold: checks.consistency.threshold }
        : null,
    confidenceBound: checks?.confidenceBound ?? null,
  };
}

/**
 * The model stage of the cascade: single images in, micro-batched model runs (each image and
 * its squeezed copies together), one inspection out per image.
 */
export function createModelStage(
  classifier: Classifier,
  settings: InspectionSettings,
  batching: BatchingSettings,
) {
  const batcher = new MicroBatcher<RgbImage, Inspection>(
    (images) => inspectImages(classifier, images, settings),
    batching,
  );
  return {
    inputSize: classifier.spec.input.size,
    modelName: `${classifier.spec.id}@${classifier.spec.version}`,
    inspect: async (image: RgbImage) => {
      const inspection = await batcher.submit(image);
      return {
        prediction: { label: inspection.prediction.label, probability: inspection.prediction.probability },
        probabilities: inspection.prediction.probabilities,
        consistency: inspection.consistency,
        failure: inspection.failure,
      };
    },
    drain: () => batcher.drain(),
  };
}
