export { LocalFolderStore, METADATA_SUFFIX } from './local-folder-store.ts';
export { resolveLocation, type StoreLocation } from './location.ts';
export { makeFolder } from './make-folder.ts';
export {
  assertSafeKey,
  hashedKey,
  joinKey,
  NotAFileError,
  ObjectChangedError,
  type ObjectInfo,
  ObjectNotFoundError,
  type ObjectStore,
  ObjectTooLargeError,
  type PutOptions,
  type ReadOptions,
  storableKey,
  UnsafeKeyError,
} from './object-store.ts';
export { type BucketState, createS3Client, probeBucket, S3Store } from './s3-store.ts';
