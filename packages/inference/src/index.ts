export { type Classifier, createOnnxClassifier, type Prediction, toInputTensor } from './classifier.ts';
export { BUNDLED_MODEL_SPEC, type LoadedModelSpec, loadModelSpec, ModelSpec } from './model-spec.ts';
