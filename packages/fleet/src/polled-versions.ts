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

const DAY_MS = 86_400_000;

/**
 * One Redis hash per bucket and UTC day, key -> ETag, each kept `days` days. A version still
 * listed is copied into the day's hash the first time a poll sees it that day, so what stays in
 * the bucket stays remembered while it is polled at least once every `days` days; a deleted key
 * is forgotten within `days` days (one hash without expiry kept every key ever polled: a bucket
 * whose uploads are deleted after screening grew it by 140 bytes an upload, for good).
 */
export function createRedisPolledVersions(
  redis: Redis,
  prefix = 'advscreen',
  options: { days?: number; now?: () => number } = {},
): PolledVersions {
  const days = options.days ?? 3;
  const now = options.now ?? Date.now;
  const hashOf = (bucket: string, day: number) => `${prefix}:polled:${bucket}:${day}`;
  const write = async (bucket: string, objects: readonly ObjectRef[], day: number) => {
    if (objects.length === 0) return;
    const hash = hashOf(bucket, day);
    await redis
      .multi()
      .hset(hash, Object.fromEntries(objects.map((o) => [o.key, o.etag as string])))
      .pexpire(hash, days * DAY_MS)
      .exec();
  };
  return {
    async unseen(objects) {
      const today = Math.floor(now() / DAY_MS);
      const seen = new Set<ObjectRef>();
      for (const [bucket, ofBucket] of Map.groupBy(objects, (object) => object.bucket)) {
        const keys = ofBucket.map((object) => object.key);
        const lookups = redis.pipeline();
        for (let back = 0; back < days; back++) lookups.hmget(hashOf(bucket, today - back), ...keys);
        const known = ((await lookups.exec()) ?? []).map(([, values]) => values as (string | null)[]);
        const refresh: ObjectRef[] = [];
        ofBucket.forEach((object, i) => {
          if (object.etag === null) return;
          const day = known.findIndex((values) => values[i] === object.etag);
          if (day < 0) return;
          seen.add(object);
          if (day > 0) refresh.push(object);
        });
        await write(bucket, refresh, today);
      }
      return objects.filter((object) => !seen.has(object));
    },
    async remember(objects) {
      const today = Math.floor(now() / DAY_MS);
      const withEtag = objects.filter((object) => object.etag !== null);
      for (const [bucket, ofBucket] of Map.groupBy(withEtag, (object) => object.bucket))
        await write(bucket, ofBucket, today);
    },
  };
}
