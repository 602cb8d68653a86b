import type { RgbImage } from '@advscreen/contracts';
import { jointScore } from './joint-rule.ts';
import { MicroBatcher } from './micro-batcher.ts';
import {
  type Inspection,
  type InspectionSettings,
  inspectImages,
  loadChecksFor,
  type ModelChecksFile,
} from './model-checks.ts';
import type { LoadedModelSpec } from './model-spec.ts';
import { createOnnxModel, type Model } from './onnx-model.ts';

export interface BatchingSettings {
  maxBatch: number;
  maxWaitMs: number;
}

export function inspectionSettings(
  checks: ModelChecksFile | undefined,
  consistencyEnabled: boolean,
): InspectionSettings {
  const joint = consistencyEnabled ? (checks?.joint ?? null) : null;
  return {
    consistency:
      consistencyEnabled && checks
        ? {
            squeezers: checks.consistency.squeezers,
            // With a joint rule the distance is one of its inputs, not a test of its own.
            threshold: joint ? Number.POSITIVE_INFINITY : checks.consistency.threshold,
          }
        : null,
    confidenceBound: checks?.confidenceBound ?? null,
    marginBound: checks?.decisionMargin?.bound ?? null,
    joint,
  };
}

/**
 * The model stage of the cascade: single images in (with the score the detector gave them),
 * micro-batched model runs (each image and its squeezed copies together), one inspection out
 * per image. With a joint rule, a consistency failure is decided by it.
 */
export function createModelStage(model: Model, settings: InspectionSettings, batching: BatchingSettings) {
  const batcher = new MicroBatcher<RgbImage, Inspection>(
    (images) => inspectImages(model, images, settings),
    batching,
  );
  return {
    inputSize: model.spec.input.size,
    modelName: `${model.spec.id}@${model.spec.version}`,
    inspect: async (image: RgbImage, detector: { score: number; jpegInput: boolean }) => {
      const inspection = await batcher.submit(image);
      const joint = settings.joint;
      const jointFails =
        !inspection.failure &&
        joint &&
        inspection.consistency !== null &&
        inspection.marginDrop !== null &&
        inspection.prediction !== null &&
        jointScore(joint, {
          detectorScore: detector.score,
          jpegInput: detector.jpegInput,
          consistency: inspection.consistency,
          topProbability: inspection.prediction.probability,
          marginDrop: inspection.marginDrop,
        }) > joint.threshold;
      return {
        prediction: inspection.prediction,
        ...(inspection.output.kind === 'detection' ? { detections: inspection.output.detections } : {}),
        consistency: inspection.consistency,
        failure: jointFails
          ? { layer: 'consistency' as const, reason: 'joint_score_above_threshold' }
          : inspection.failure,
      };
    },
    drain: () => batcher.drain(),
  };
}

/**
 * The model stage as the scan and the inference role run it: the spec's ONNX session, its checks
 * (refused when set for another detector than `detector`), micro-batching. `close` drains it.
 */
export async function openModelStage(options: {
  spec: LoadedModelSpec;
  /** A checks file other than the one the spec names. */
  checksPath: string | undefined;
  /** `<id>@<version>` of the detector in front of the model. */
  detector: string;
  provider: 'cpu' | 'cuda';
  consistency: boolean;
  batching: BatchingSettings;
}) {
  const { checks, source: checksSource } = loadChecksFor(options.spec, options.checksPath, options.detector);
  const model = await createOnnxModel(options.spec, options.provider);
  const stage = createModelStage(model, inspectionSettings(checks, options.consistency), options.batching);
  return {
    stage,
    checks,
    /** Where the checks came from, or why there are none. */
    checksSource,
    async close() {
      await stage.drain();
      await model.close();
    },
  };
}
