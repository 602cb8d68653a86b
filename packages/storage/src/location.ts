import { parseS3Location } from '@advscreen/contracts';
import type { S3Client } from '@aws-sdk/client-s3';
import { LocalFolderStore } from './local-folder-store.ts';
import type { ObjectStore } from './object-store.ts';
import { S3Store } from './s3-store.ts';

/** A store plus the key prefix under it that a command works on. */
export interface StoreLocation {
  store: ObjectStore;
  prefix: string;
  /** The S3 bucket, for an s3:// location; undefined for a folder. */
  bucket: string | undefined;
  /** As the user wrote it, for messages. */
  uri: string;
}

/**
 * Resolves `s3://bucket/prefix` or a folder path. The S3 client is only built when an S3
 * location is named, so a folder scan needs no AWS configuration.
 */
export function resolveLocation(uri: string, s3Client: () => S3Client): StoreLocation {
  if (uri.startsWith('s3://')) {
    const { bucket, prefix } = parseS3Location(uri);
    return { store: new S3Store({ bucket, client: s3Client() }), prefix, bucket, uri };
  }
  return { store: new LocalFolderStore(uri), prefix: '', bucket: undefined, uri };
}
