import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import {
  createFleetQueues,
  openCommandConnection,
  RETRYABLE_QUEUES,
  type RetryableQueue,
  retryFailedJobs,
} from '@advscreen/fleet';
import { UsageError } from '../usage-error.ts';

const isRetryableQueue = (name: string): name is RetryableQueue =>
  (RETRYABLE_QUEUES as readonly string[]).includes(name);

/**
 * `advscreen retry-failed [--queue detect ...]`: every job that failed for good, on every queue
 * or the ones named, back to its workers with its attempts reset; prints how many per queue.
 */
export async function runRetryFailedCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { queue: { type: 'string', multiple: true } },
  });
  const names = values.queue ?? [...RETRYABLE_QUEUES];
  const unknown = names.filter((name) => !isRetryableQueue(name));
  if (positionals.length > 0 || unknown.length > 0)
    throw new UsageError(`retry-failed takes --queue ${RETRYABLE_QUEUES.join('|')} (repeatable)`);
  const config = loadConfig();
  const redis = await openCommandConnection(config.fleet.redisUrl);
  const queues = createFleetQueues(redis);
  try {
    const retried = await retryFailedJobs(queues, names.filter(isRetryableQueue));
    process.stdout.write(`${JSON.stringify({ retried })}\n`);
    return 0;
  } finally {
    await queues.close();
    redis.disconnect();
  }
}
