import type { FleetQueues } from './queues.ts';

/** The fleet's queues by their short names, as `advscreen retry-failed --queue` takes them. */
export const RETRYABLE_QUEUES = ['ingest', 'detect', 'infer', 'events', 'alerts'] as const;
export type RetryableQueue = (typeof RETRYABLE_QUEUES)[number];

export const isRetryableQueue = (name: string): name is RetryableQueue =>
  (RETRYABLE_QUEUES as readonly string[]).includes(name);

const PAGE = 500;

/**
 * Hands every job that failed for good back to its workers, its attempts counted from zero: the
 * redrive of the fleet's dead letters, for after an outage (S3 unreachable for longer than the
 * five attempts' 15 s) that left objects without an outcome, or with a `processing_failed` one
 * that said nothing about the image. Only the jobs failed when it starts: one that fails again
 * meanwhile is not taken twice. Returns how many jobs each queue got back.
 */
export async function retryFailedJobs(
  queues: FleetQueues,
  names: readonly RetryableQueue[] = RETRYABLE_QUEUES,
): Promise<Record<RetryableQueue, number>> {
  const retried = Object.fromEntries(RETRYABLE_QUEUES.map((name) => [name, 0])) as Record<
    RetryableQueue,
    number
  >;
  for (const name of names) {
    const queue = queues[name];
    const failed = [];
    for (let start = 0; ; start += PAGE) {
      const page = await queue.getFailed(start, start + PAGE - 1);
      failed.push(...page);
      if (page.length < PAGE) break;
    }
    for (const job of failed) {
      try {
        await job.retry('failed', { resetAttemptsMade: true });
        retried[name]++;
      } catch (error) {
        // Retried or removed by someone else since it was listed: not this command's to count.
        if (await job.isFailed()) throw error;
      }
    }
  }
  return retried;
}
