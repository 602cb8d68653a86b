import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import {
  createFleetQueues,
  isRetryableQueue,
  openCommandConnection,
  RETRYABLE_QUEUES,
  retryFailedJobs,
} from '@advscreen/fleet';
import { UsageError } from '../usage-error.ts';

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
  if (positionals.length > 0 || !names.every(isRetryableQueue))
    throw new UsageError(`retry-failed takes --queue ${RETRYABLE_QUEUES.join('|')} (repeatable)`);
  const config = loadConfig();
  const redis = await openCommandConnection(config.fleet.redisUrl);
  const queues = createFleetQueues(redis);
  try {
    const retried = await retryFailedJobs(queues, names);
    process.stdout.write(`${JSON.stringify({ retried })}\n`);
    return 0;
  } finally {
    await queues.close();
    redis.disconnect();
  }
}
