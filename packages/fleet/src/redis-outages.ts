import type { EventEmitter } from 'node:events';
import type { Logger } from '@advscreen/observability';
import { isNotConnectionError } from 'bullmq';

/** Codes of a server that is down, restarting or out of reach, beside what BullMQ counts. */
const UNREACHABLE_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** An error that says Redis cannot be reached, not that a command went wrong. */
export function isRedisConnectionError(error: Error): boolean {
  return !isNotConnectionError(error) || UNREACHABLE_CODES.has((error as NodeJS.ErrnoException).code ?? '');
}

/**
 * While Redis is unreachable ioredis retries every 50 ms to 2 s, and each attempt's error reaches
 * the connection, every queue and every worker on it: hundreds of lines a minute per process.
 * Logs one warning when Redis is lost and one line when it is back, with how long it was gone.
 * Meanwhile commands wait (`maxRetriesPerRequest: null`), so no job fails for the outage.
 */
export function logRedisOutages(redis: Pick<EventEmitter, 'on'>, logger: Logger): void {
  let lostAt: number | null = null;
  redis.on('error', (error: Error) => {
    if (!isRedisConnectionError(error)) {
      logger.warn({ err: error }, 'redis error');
    } else if (lostAt === null) {
      lostAt = Date.now();
      logger.warn({ err: error }, 'redis unreachable; jobs wait until it is back');
    }
  });
  redis.on('ready', () => {
    if (lostAt === null) return;
    logger.info({ outageMs: Date.now() - lostAt }, 'redis reachable again');
    lostAt = null;
  });
}
