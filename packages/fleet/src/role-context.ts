import { type AdvscreenConfig, ConfigError } from '@advscreen/config';
import { parseS3Location } from '@advscreen/contracts';
import type { Logger } from '@advscreen/observability';
import { createS3Client, type ObjectStore } from '@advscreen/storage';
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
  storeFor: (bucket: string) => ObjectStore;
  outcomes: OutcomeWriter;
  close(): Promise<void>;
}

export function requireSetting<T>(value: T | undefined, name: string, role: string): T {
  if (value === undefined) throw new ConfigError(`the ${role} role needs ${name}`);
  return value;
}

export function openRoleContext(config: AdvscreenConfig, logger: Logger, role: string): RoleContext {
  const results = parseS3Location(requireSetting(config.fleet.results, 'ADVSCREEN_RESULTS', role));
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
    storeFor,
    outcomes: createOutcomeWriter(storeFor(results.bucket), results.prefix),
    async close() {
      await queues.close();
      redis.disconnect();
      s3.destroy();
    },
  };
}
