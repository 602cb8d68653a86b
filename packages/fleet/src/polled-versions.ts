import type { ObjectRef } from '@advscreen/contracts';
import type { Redis } from 'ioredis';

/**
 * The object versions the poller has handed on, so that each is screened once however long it
 * stays in the bucket. Job ids alone cannot do it: completed jobs are dropped after a day or past
 * 100,000, and the poller lists the whole prefix every interval.
 */
export interface PolledVersions {
  /** Those of `objects`, in order, whose version was not handed on before; all without an ETag. */
  unseen(objects: readonly ObjectRef[]): Promise<ObjectRef[]>;
  /** Records `objects` as handed on. */
  remember(objects: readonly ObjectRef[]): Promise<void>;
}

/**
 * One Redis hash per bucket, key -> ETag, without expiry: 140 bytes per polled object with
 * 35-character keys (Redis 7.0). A key deleted from the bucket keeps its field.
 */
export function createRedisPolledVersions(redis: Redis, prefix = 'advscreen'): PolledVersions {
  const hashOf = (bucket: string) => `${prefix}:polled:${bucket}`;
  return {
    async unseen(objects) {
      const seen = new Set<ObjectRef>();
      for (const [bucket, ofBucket] of Map.groupBy(objects, (object) => object.bucket)) {
        const known = await redis.hmget(hashOf(bucket), ...ofBucket.map((object) => object.key));
        ofBucket.forEach((object, i) => {
          if (object.etag !== null && known[i] === object.etag) seen.add(object);
        });
      }
      return objects.filter((object) => !seen.has(object));
    },
    async remember(objects) {
      const byBucket = Map.groupBy(
        objects.filter((object) => object.etag !== null),
        (object) => object.bucket,
      );
      for (const [bucket, ofBucket] of byBucket) {
        await redis.hset(hashOf(bucket), Object.fromEntries(ofBucket.map((o) => [o.key, o.etag as string])));
      }
    },
  };
}
