export {
  type ConfidenceBoundFit,
  fitConfidenceBound,
  fitMarginBound,
  type MarginBoundFit,
} from './confidence-bound.ts';
export {
  type ClassJacobian,
  createDifferentiableModel,
  type DifferentiableModel,
  type LossGradient,
} from './differentiable-model.ts';
export {
  fitJointRule,
  JOINT_FEATURES,
  type JointEvidence,
  type JointExample,
  JointRule,
  jointFeatures,
  jointScore,
  jointThreshold,
  ruleAllowance,
  type TranslatedEvidence,
  usesTranslatedCopy,
} from './joint-rule.ts';
export { MicroBatcher } from './micro-batcher.ts';
export {
  checkSanity,
  decisionMargin,
  type Inspection,
  type InspectionSettings,
  inspectImages,
  loadChecksFor,
  loadModelChecks,
  ModelChecksFile,
  ModelChecksMismatchError,
  Squeezer,
  sanityShareOf,
  TRANSLATION,
} from './model-checks.ts';
export { BUNDLED_MODEL_SPEC, type LoadedModelSpec, loadModelSpec, ModelSpec } from './model-spec.ts';
export {
  type BatchingSettings,
  createModelStage,
  inspectionSettings,
  openModelStage,
} from './model-stage.ts';
export {
  type ClassificationOutput,
  createOnnxModel,
  type Model,
  type ModelOutput,
  toInputTensor,
  topPrediction,
} from './onnx-model.ts';
export { detectionDisagreement, outputDistance } from './output-distance.ts';
export {
  jpegRoundTrip,
  medianFilter2x2,
  reduceBitDepth,
  translateImage,
  translationAdjoint,
} from './squeeze.ts';
export {
  boxIoU,
  type Detection,
  type DetectionOutput,
  decodeYoloV8,
  nonMaxSuppression,
} from './yolo-output.ts';
