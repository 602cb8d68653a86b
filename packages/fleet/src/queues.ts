import {
  type AlertJob,
  type DetectJob,
  type InferJob,
  type IngestJob,
  QueueName,
  type VerdictEvent,
} from '@advscreen/contracts';
import { type JobsOptions, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { isRedisConnectionError } from './redis-outages.ts';

/** Workers block on Redis; BullMQ requires `maxRetriesPerRequest: null` on their connections. */
export function createRedisConnection(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: true });
}

/**
 * For one-shot commands (`enqueue`, `report`): connects once, without reconnecting, so an
 * unreachable Redis is an error naming the address instead of a hang or a stream of retries.
 */
export async function openCommandConnection(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 5000, retryStrategy: () => null });
  // Kept for the message below (connect() itself only says "Connection is closed"); later
  // errors reach the caller through the failing command.
  let connectError: Error | undefined;
  redis.on('error', (error: Error) => {
    connectError ??= error;
  });
  try {
    await redis.connect();
  } catch (error) {
    throw new Error(
      `cannot connect to Redis at ${new URL(url).host}: ${(connectError ?? (error as Error)).message}`,
    );
  }
  return redis;
}

/**
 * Retries with exponential backoff (1 s, 2 s, 4 s, ...) for transient failures; completed jobs
 * are kept a day so a re-sent object with the same job id is still recognised; failed ones a week
 * for inspection.
 */
export const JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 100_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** Alerts retry for about an hour, so a Slack outage delays them and loses none. */
export const ALERT_JOB_OPTIONS: JobsOptions = {
  ...JOB_OPTIONS,
  attempts: 12,
  backoff: { type: 'exponential', delay: 2000 },
};

export interface FleetQueues {
  ingest: Queue<IngestJob>;
  detect: Queue<DetectJob>;
  infer: Queue<InferJob>;
  events: Queue<VerdictEvent>;
  alerts: Queue<AlertJob>;
  /** The connection they share, for reads BullMQ offers one job at a time only. */
  connection: Redis;
  close(): Promise<void>;
}

/**
 * The fleet's queues on one connection. A queue's 'error' events are its connection's, passed on;
 * without a listener BullMQ prints each to stderr, once per reconnect attempt during an outage.
 * Those that say Redis is unreachable are left to the connection's owner (logRedisOutages); the
 * rest go to `onError`.
 */
export function createFleetQueues(
  connection: Redis,
  onError: (error: Error) => void = () => {},
): FleetQueues {
  const make = <T>(name: QueueName, defaultJobOptions = JOB_OPTIONS) =>
    new Queue<T>(name, { connection, defaultJobOptions }).on('error', (error) => {
      if (!isRedisConnectionError(error)) onError(error);
    });
  const queues = {
    ingest: make<IngestJob>(QueueName.ingest),
    detect: make<DetectJob>(QueueName.detect),
    infer: make<InferJob>(QueueName.infer),
    events: make<VerdictEvent>(QueueName.events),
    alerts: make<AlertJob>(QueueName.alerts, ALERT_JOB_OPTIONS),
  };
  return {
    ...queues,
    connection,
    async close() {
      await Promise.all(Object.values(queues).map((queue) => queue.close()));
    },
  };
}
