import type { Logger } from '@advscreen/observability';
import { type Job, type Processor, UnrecoverableError, Worker, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { isRedisConnectionError } from './redis-outages.ts';

/** Validates a payload on the way in; a malformed one fails at once instead of retrying. */
export function parsePayload<T>(schema: z.ZodType<T>, data: unknown, jobId: string | undefined): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new UnrecoverableError(
      `job ${jobId}: invalid payload: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

export interface ValidatedWorkerOptions<T> {
  queue: string;
  schema: z.ZodType<T>;
  connection: Redis;
  concurrency: number;
  /** Lock duration; stalled jobs are checked for at the same interval. */
  lockMs: number;
  logger: Logger;
  /** Called once when a job has used its last attempt, so the object still gets an outcome. */
  onFinalFailure?: (data: T, error: Error) => Promise<void>;
  extra?: Partial<WorkerOptions>;
}

/** BullMQ's words for a job whose lock this worker no longer holds. */
const LAPSED_LOCK = /^could not renew lock for job|^Missing lock for job/;

/** A BullMQ worker whose handler receives validated, typed payloads. */
export function startValidatedWorker<T>(
  options: ValidatedWorkerOptions<T>,
  handle: ((data: T, job: Job) => Promise<void>) | string,
): Worker {
  const processor: Processor | string =
    typeof handle === 'string'
      ? handle
      : async (job: Job) => handle(parsePayload(options.schema, job.data, job.id), job);
  const worker = new Worker(options.queue, processor, {
    connection: options.connection,
    concurrency: options.concurrency,
    lockDuration: options.lockMs,
    stalledInterval: options.lockMs,
    ...options.extra,
  });
  worker.on('failed', (job, error) => {
    if (!job) return;
    const final = error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    options.logger[final ? 'error' : 'warn'](
      { queue: options.queue, jobId: job.id, attempt: job.attemptsMade, err: error },
      final ? 'job failed for good' : 'job failed, will retry',
    );
    if (final && options.onFinalFailure) {
      const parsed = options.schema.safeParse(job.data);
      if (parsed.success) {
        options
          .onFinalFailure(parsed.data, error)
          .catch((failure: unknown) =>
            options.logger.error(
              { queue: options.queue, jobId: job.id, err: failure },
              'could not record the final failure',
            ),
          );
      }
    }
  });
  // An outage is logged once, by the connection (logRedisOutages), not once per retry here. A
  // lock that lapsed (renewals held up by an outage or a blocked process) is BullMQ's at-least-once
  // delivery at work, not a fault: the stalled-job check hands the job out again.
  worker.on('error', (error) => {
    if (isRedisConnectionError(error)) return;
    if (LAPSED_LOCK.test(error.message))
      options.logger.warn({ queue: options.queue, err: error }, 'job lock lapsed; the job may run again');
    else options.logger.error({ queue: options.queue, err: error }, 'worker error');
  });
  return worker;
}
