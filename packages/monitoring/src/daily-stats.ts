import type { Redis } from 'ioredis';
import { monitorKeys } from './redis-keys.ts';

const RETENTION_S = 40 * 24 * 3600;
/** Redeliveries come within minutes; the seen-set only has to outlive them, not the counters. */
const SEEN_RETENTION_S = 2 * 24 * 3600;

export function utcDay(atMs: number): string {
  return new Date(atMs).toISOString().slice(0, 10);
}

/** A day's counters read apart: per verdict over every source, and per source per verdict. */
export interface DayCounters {
  totals: Map<string, number>;
  bySource: Map<string, Map<string, number>>;
}

/** Splits a day's counter hash (`<verdict>` and `<source>:<verdict>` fields; a source may hold ':'). */
export function splitDayCounters(counters: Record<string, number>): DayCounters {
  const totals = new Map<string, number>();
  const bySource = new Map<string, Map<string, number>>();
  for (const [field, count] of Object.entries(counters)) {
    const split = field.lastIndexOf(':');
    if (split < 0) {
      totals.set(field, count);
      continue;
    }
    const source = field.slice(0, split);
    const verdicts = bySource.get(source) ?? new Map<string, number>();
    verdicts.set(field.slice(split + 1), count);
    bySource.set(source, verdicts);
  }
  return { totals, bySource };
}

/**
 * Fields of a day's counter hash, at most (a few verdict totals, then one per source and
 * verdict: 6,700 to 20,000 sources). A source is whatever the uploader's metadata or key says, so
 * a sender naming every upload differently would otherwise add a field per upload to a hash kept
 * 40 days. Past the cap a day's new sources count together as OTHER_SOURCES.
 */
export const MAX_COUNTER_FIELDS_PER_DAY = 20_000;
export const OTHER_SOURCES = '(other sources)';

/**
 * One atomic step: count the event unless its id was already counted that day; its source's
 * field only while the day has room for it (fields: a few totals, then per source and verdict).
 */
const COUNT_ONCE = `
local counters, seen = KEYS[1], KEYS[2]
local added = redis.call('SADD', seen, ARGV[1])
redis.call('EXPIRE', seen, tonumber(ARGV[5]))
if added == 1 then
  redis.call('HINCRBY', counters, ARGV[2], 1)
  local field = ARGV[3]
  if redis.call('HEXISTS', counters, field) == 0 and redis.call('HLEN', counters) >= tonumber(ARGV[6]) then
    field = ARGV[7]
  end
  redis.call('HINCRBY', counters, field, 1)
  redis.call('EXPIRE', counters, tonumber(ARGV[4]))
end
return added
`;

/**
 * Per-day counters (`<verdict>` and `<source>:<verdict>` fields) in one hash per UTC day, kept
 * 40 days. Counting is idempotent per event id, so a retried monitor job does not count twice.
 */
export class DailyStats {
  readonly #redis: Redis;
  readonly #keys: ReturnType<typeof monitorKeys>;

  readonly #maxFields: number;

  constructor(redis: Redis, prefix?: string, maxFields = MAX_COUNTER_FIELDS_PER_DAY) {
    this.#redis = redis;
    this.#keys = monitorKeys(prefix);
    this.#maxFields = maxFields;
  }

  /** Returns false when this event id was already counted. */
  async count(event: { id: string; atMs: number; source: string; verdict: string }): Promise<boolean> {
    const day = utcDay(event.atMs);
    const added = await this.#redis.eval(
      COUNT_ONCE,
      2,
      this.#keys.daily(day),
      this.#keys.dailySeen(day),
      event.id,
      event.verdict,
      `${event.source}:${event.verdict}`,
      RETENTION_S,
      SEEN_RETENTION_S,
      this.#maxFields,
      `${OTHER_SOURCES}:${event.verdict}`,
    );
    return added === 1;
  }

  async read(day: string): Promise<Record<string, number>> {
    const raw = await this.#redis.hgetall(this.#keys.daily(day));
    return Object.fromEntries(Object.entries(raw).map(([field, value]) => [field, Number(value)]));
  }
}
