export { type Classifier, createOnnxClassifier, type Prediction, toInputTensor } from './classifier.ts';
export { MicroBatcher } from './micro-batcher.ts';
export {
  checkSanity,
  type Inspection,
  type InspectionSettings,
  inspectImages,
  loadModelChecks,
  ModelChecksFile,
  Squeezer,
} from './model-checks.ts';
export { BUNDLED_MODEL_SPEC, type LoadedModelSpec, loadModelSpec, ModelSpec } from './model-spec.ts';
export { type BatchingSettings, createModelStage, inspectionSettings } from './model-stage.ts';
export { medianFilter2x2, reduceBitDepth, squeezeDistance } from './squeeze.ts';
