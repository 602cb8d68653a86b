import type { RgbImage } from '@advscreen/contracts';
import { MicroBatcher } from './micro-batcher.ts';
import {
  type Inspection,
  type InspectionSettings,
  inspectImages,
  type ModelChecksFile,
} from './model-checks.ts';
import type { Model } from './onnx-model.ts';

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
export function createModelStage(model: Model, settings: InspectionSettings, batching: BatchingSettings) {
  const batcher = new MicroBatcher<RgbImage, Inspection>(
    (images) => inspectImages(model, images, settings),
    batching,
  );
  return {
    inputSize: model.spec.input.size,
    modelName: `${model.spec.id}@${model.spec.version}`,
    inspect: async (image: RgbImage) => {
      const inspection = await batcher.submit(image);
      return {
        prediction: inspection.prediction,
        ...(inspection.output.kind === 'detection' ? { detections: inspection.output.detections } : {}),
        consistency: inspection.consistency,
        failure: inspection.failure,
      };
    },
    drain: () => batcher.drain(),
  };
}
