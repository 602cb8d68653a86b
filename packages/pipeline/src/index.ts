export {
  type AttackCorpusOptions,
  type CorpusAttack,
  cwCorpusAttack,
  deepFoolCorpusAttack,
  gradientCorpusAttack,
  squareCorpusAttack,
  writeAttackCorpus,
} from './attack-corpus.ts';
export { type CorpusManifest, readCorpusManifest, writeCorpusManifest } from './corpus-manifest.ts';
export {
  applyModelVerdict,
  detectorReading,
  type ModelStage,
  type ModelVerdict,
} from './model-stage.ts';
export { type KeyedLocation, ownOutputKeys } from './own-outputs.ts';
export {
  type QuarantineProvenance,
  type QuarantineTarget,
  quarantineImage,
  quarantineMetadata,
  SIDECAR_SUFFIX,
} from './quarantine.ts';
export { detectorStageLayer, routeVerdict } from './route-verdict.ts';
export { type ScanOptions, type ScanSummary, scanLocation } from './scan.ts';
export {
  inputRejectionOf,
  rejectedRecord,
  type ScreenDependencies,
  type ScreenOutcome,
  screenObject,
} from './screen-object.ts';
export {
  AVIF_TRAINING_EFFORT,
  buildTrainingExamples,
  type TrainingExampleOptions,
} from './training-examples.ts';
export { createVerdictFileWriter, formatVerdictLine, type VerdictWriter } from './verdict-writer.ts';
