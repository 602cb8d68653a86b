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
