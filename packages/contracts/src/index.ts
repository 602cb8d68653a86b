export { CorpusManifestLine } from './corpus-manifest.ts';
export { EXECUTION_PROVIDERS, type ExecutionProvider } from './execution-provider.ts';
export type { FloatRgbImage, RgbImage } from './image.ts';
export { InvalidInputFileError } from './input-file.ts';
export {
  AlertJob,
  DetectJob,
  InferJob,
  IngestJob,
  ObjectRef,
  objectJobId,
  QueueName,
  VerdictEvent,
} from './jobs.ts';
export { printable } from './printable.ts';
export { formatS3Location, parseS3Location, readS3Location, type S3Location } from './s3-location.ts';
export { isLossyCoded, SCREENED_FORMATS, type ScreenedFormat } from './screened-formats.ts';
export * from './verdict.ts';
