export {
  ARTICLE_THRESHOLD,
  ARTICLE_WEIGHTS,
  createArticleBaselineScorer,
  gradientCv,
  highFrequencyRatio,
  meanAbsKurtosis,
} from './article-baseline.ts';
export {
  type CalibrationFit,
  type CalibrationSample,
  CalibrationSampleError,
  calibrateThreshold,
} from './calibration.ts';
export {
  BUNDLED_DETECTOR_PATH,
  CalibrationFile,
  DETECTOR_FEATURES_ID,
  DetectorModelFile,
  loadCalibration,
  loadDetectorModel,
  readJsonFileAs,
} from './detector-file.ts';
export {
  type AttackRow,
  type DetectionReport,
  formatDetectionTable,
  formatReencodedTable,
  type OperatingPointReport,
  reportAtThreshold,
  reportDetection,
  reportDetectionByFormat,
  type ScoredExample,
} from './evaluation/detection-report.ts';
export {
  auroc,
  type GroupedFlag,
  groupedRate,
  rateAbove,
  thresholdAtFpr,
  wilsonInterval,
} from './evaluation/metrics.ts';
export {
  BRANCHES,
  type Branch,
  branchOf,
  GRAPHICS_FLAT_SHARE,
  HEADS,
  type Head,
  headFeatureCounts,
  headFeatures,
  type InputFeatures,
  inputFeatures,
  isJpegBranch,
  JPEG_CHROMAS,
  type JpegBranchChroma,
  type JpegEvidence,
  scoredView,
} from './features/branch.ts';
export { DCT_FEATURE_COUNT, extractJpegDctFeatures } from './features/dct-features.ts';
export {
  chromaNoiseRate,
  extractGreyResidualFeatures,
  extractResidualFeatures,
  MERGED_RESIDUAL_FEATURE_COUNT,
  RESIDUAL_FEATURE_COUNT,
  RESIDUAL_FEATURES_ID,
} from './features/residual-features.ts';
export {
  extractLumaStripeFeatures,
  extractStripeFeatures,
  LUMA_STRIPE_FEATURE_COUNT,
  STRIPE_FEATURE_COUNT,
  STRIPE_FEATURES_ID,
} from './features/stripe-features.ts';
export { magnitudeSpectrum } from './fft2d.ts';
export { type LumaPlane, luminance, roundedLuma, toGray8 } from './pixels.ts';
export { createResidualScorer, detectorName, scoredBranch } from './residual-scorer.ts';
export type { ImageOrigin, ImageScore, Scorer } from './scorer.ts';
export {
  balancedWeights,
  fitLogisticRegression,
  type LinearModel,
  linearScore,
} from './training/logistic-regression.ts';
export {
  assignFolds,
  DEFAULT_STRIPES_SHARE,
  groupedOutOfFold,
  REENCODING_KINDS,
  type ReencodingKind,
  type TrainedBranch,
  type TrainingExample,
  type TrainingOptions,
  type TrainingResult,
  trainDetector,
} from './training/train-detector.ts';
