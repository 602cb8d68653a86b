import { type ObjectStore, S3Store } from '@advscreen/storage';
import type { S3Client } from '@aws-sdk/client-s3';

/** One S3Store per bucket, sharing one client. */
export function storesByBucket(client: S3Client): (bucket: string) => ObjectStore {
  const stores = new Map<string, ObjectStore>();
  return (bucket) => {
    let store = stores.get(bucket);
    if (!store) {
      store = new S3Store({ bucket, client });
      stores.set(bucket, store);
    }
    return store;
  };
}

/** Splits `s3://bucket/prefix` into its parts. */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`${uri} is not an s3://bucket/prefix location`);
  return { bucket: match[1] as string, prefix: (match[2] as string).replace(/\/+$/, '') };
}
