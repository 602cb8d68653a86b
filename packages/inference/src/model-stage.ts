import type { DetectorReading, ExecutionProvider, RgbImage } from '@advscreen/contracts';
import { jointScore, usesTranslatedCopy } from './joint-rule.ts';
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

export interface ModelStageSettings extends InspectionSettings {
  /**
   * With a joint rule: the consistency check's own threshold, for images scored by another
   * detector than the one the rule was set on (during a rolling upgrade of the detector role,
   * say): that detector's scores sit elsewhere, so the rule would misread them.
   */
  otherDetectorThreshold: number | null;
}

export function inspectionSettings(
  checks: ModelChecksFile | undefined,
  consistencyEnabled: boolean,
): ModelStageSettings {
  const joint = consistencyEnabled ? (checks?.joint ?? null) : null;
  return {
    otherDetectorThreshold: joint && checks ? checks.consistency.threshold : null,
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
    translatedCopy: usesTranslatedCopy(joint),
  };
}

/** What the model stage tells its owner as it runs (logs, metrics). */
export interface ModelStageObservers {
  /** The name of each image's detector when it is not the joint rule's (see createModelStage). */
  onOtherDetector?: (detector: string) => void;
  /** Each batch run: how many images it held and how long the model and checks took, in seconds. */
  onBatch?: (batch: { images: number; seconds: number }) => void;
}

/**
 * The model stage of the cascade: single images in (with the score the detector gave them),
 * micro-batched model runs (each image and its squeezed copies together), one inspection out
 * per image. With a joint rule, a consistency failure is decided by it, unless another detector
 * than the rule's scored the image: then by the check's own threshold, and `onOtherDetector` is
 * told its name.
 */
export function createModelStage(
  model: Model,
  settings: ModelStageSettings,
  batching: BatchingSettings,
  { onOtherDetector = () => {}, onBatch }: ModelStageObservers = {},
) {
  const batcher = new MicroBatcher<{ image: RgbImage; byRule: boolean }, Inspection>(async (items) => {
    const started = performance.now();
    const inspections = await inspectImages(
      model,
      items.map((item) => item.image),
      settings,
      // Only the joint rule reads the translated copy.
      items.map((item) => item.byRule),
    );
    onBatch?.({ images: items.length, seconds: (performance.now() - started) / 1000 });
    return inspections;
  }, batching);
  return {
    inputSize: model.spec.input.size,
    modelName: `${model.spec.id}@${model.spec.version}`,
    inspect: async (image: RgbImage, detector: DetectorReading) => {
      const joint = settings.joint;
      const otherDetector = joint?.detector !== undefined && joint.detector !== detector.detector;
      const inspection = await batcher.submit({ image, byRule: !otherDetector });
      if (otherDetector) {
        onOtherDetector(detector.detector);
        const threshold = settings.otherDetectorThreshold ?? Number.POSITIVE_INFINITY;
        return verdictOf(
          inspection,
          !inspection.failure && inspection.consistency !== null && inspection.consistency > threshold
            ? { layer: 'consistency', reason: 'squeezed_prediction_disagrees' }
            : inspection.failure,
        );
      }
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
          translated: inspection.translated,
        }) > joint.threshold;
      return verdictOf(
        inspection,
        jointFails ? { layer: 'consistency', reason: 'joint_score_above_threshold' } : inspection.failure,
      );
    },
    drain: () => batcher.drain(),
  };
}

function verdictOf(inspection: Inspection, failure: Inspection['failure']) {
  return {
    prediction: inspection.prediction,
    ...(inspection.output.kind === 'detection' ? { detections: inspection.output.detections } : {}),
    consistency: inspection.consistency,
    translatedDistance: inspection.translated?.distance ?? null,
    failure,
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
  provider: ExecutionProvider;
  consistency: boolean;
  batching: BatchingSettings;
  observers?: ModelStageObservers;
}) {
  const { checks, source: checksSource } = loadChecksFor(options.spec, options.checksPath, options.detector);
  const model = await createOnnxModel(options.spec, options.provider);
  const stage = createModelStage(
    model,
    inspectionSettings(checks, options.consistency),
    options.batching,
    options.observers,
  );
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
