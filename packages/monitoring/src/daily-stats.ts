import type { Redis } from 'ioredis';
import { monitorKeys } from './redis-keys.ts';

const RETENTION_S = 40 * 24 * 3600;

export function utcDay(atMs: number): string {
  return new Date(atMs).toISOString().slice(0, 10);
}

/** Per-day counters (`<verdict>` and `<source>:<verdict>` fields) in one hash per UTC day, kept 40 days. */
export class DailyStats {
  readonly #redis: Redis;
  readonly #keys: ReturnType<typeof monitorKeys>;

  constructor(redis: Redis, prefix?: string) {
    this.#redis = redis;
    this.#keys = monitorKeys(prefix);
  }

  async count(atMs: number, source: string, verdict: string): Promise<void> {
    const key = this.#keys.daily(utcDay(atMs));
    await this.#redis
      .multi()
      .hincrby(key, verdict, 1)
      .hincrby(key, `${source}:${verdict}`, 1)
      .expire(key, RETENTION_S)
      .exec();
  }

  async read(day: string): Promise<Record<string, number>> {
    const raw = await this.#redis.hgetall(this.#keys.daily(day));
    return Object.fromEntries(Object.entries(raw).map(([field, value]) => [field, Number(value)]));
  }
}
