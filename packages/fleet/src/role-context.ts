import { type AdvscreenConfig, ConfigError } from '@advscreen/config';
import type { S3Location } from '@advscreen/contracts';
import type { Logger } from '@advscreen/observability';
import { createS3Client, type ObjectStore, probeBucket } from '@advscreen/storage';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Redis } from 'ioredis';
import { createFleetQueues, createRedisConnection, type FleetQueues } from './queues.ts';
import { logRedisOutages } from './redis-outages.ts';
import { createOutcomeWriter, type OutcomeWriter } from './stages/outcome-records.ts';
import { storesByBucket } from './stores.ts';

/** The connections every role shares; opened once per process (or worker thread), closed in reverse. */
export interface RoleContext {
  config: AdvscreenConfig;
  logger: Logger;
  redis: Redis;
  queues: FleetQueues;
  s3: S3Client;
  storeFor: (bucket: string) => ObjectStore;
  outcomes: OutcomeWriter;
  close(): Promise<void>;
}

export function requireSetting<T>(value: T | undefined, name: string, role: string): T {
  if (value === undefined) throw new ConfigError(`the ${role} role needs ${name}`);
  return value;
}

export function openRoleContext(config: AdvscreenConfig, logger: Logger, role: string): RoleContext {
  const results = requireSetting(config.fleet.results, 'ADVSCREEN_RESULTS', role);
  const s3 = createS3Client(config.s3);
  const storeFor = storesByBucket(s3);
  const redis = createRedisConnection(config.fleet.redisUrl);
  logRedisOutages(redis, logger);
  const queues = createFleetQueues(redis, (error) => logger.warn({ err: error }, 'queue error'));
  return {
    config,
    logger,
    redis,
    queues,
    s3,
    storeFor,
    outcomes: createOutcomeWriter(storeFor(results.bucket), results.prefix),
    async close() {
      await queues.close();
      redis.disconnect();
      s3.destroy();
    },
  };
}

/**
 * Stops a role at start when a bucket one of its settings names does not exist (a typo): else
 * every image's job would fail five times first, and its record with it. A bucket S3 will not
 * answer about (403 without s3:ListBucket, unreachable) is logged, and the role starts.
 */
export async function checkBuckets(
  context: Pick<RoleContext, 's3' | 'logger'>,
  settings: readonly (readonly [name: string, location: S3Location | undefined])[],
): Promise<void> {
  const named = settings.flatMap(([name, location]) => (location ? [{ name, bucket: location.bucket }] : []));
  const states = await Promise.all(named.map(({ bucket }) => probeBucket(context.s3, bucket)));
  named.forEach(({ name, bucket }, i) => {
    const answer = states[i];
    if (answer?.state === 'missing')
      throw new ConfigError(`${name} names bucket ${bucket}, which does not exist`);
    if (answer?.state === 'unknown')
      context.logger.warn(
        { bucket, setting: name, reason: answer.reason },
        'could not check that the bucket exists',
      );
  });
}
