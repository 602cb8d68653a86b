import type { Redis } from 'ioredis';
import { monitorKeys } from './redis-keys.ts';

export interface WindowRule {
  /** Alert when at least this many adversarial verdicts fall in the window. */
  threshold: number;
  windowMs: number;
  /** After an alert, no other alert for the same scope for this long. */
  cooldownMs: number;
}

export interface WindowOutcome {
  scope: string;
  count: number;
  /** True for exactly one caller when the rule fires outside a cooldown. */
  alert: boolean;
  oldestMs: number;
}

/**
 * One atomic step per scope: add the event (member = its id, so a redelivered event counts
 * once), drop what left the window, cap the set, count, and claim the cooldown if the rule
 * fires. Doing the check and the claim in one script means two monitors never both alert.
 */
const RECORD_ATTACK = `
local window, cooldown = KEYS[1], KEYS[2]
local now, windowMs, threshold, cooldownMs, member, cap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5], tonumber(ARGV[6])
redis.call('ZADD', window, now, member)
redis.call('ZREMRANGEBYSCORE', window, '-inf', now - windowMs)
local size = redis.call('ZCARD', window)
if size > cap then redis.call('ZREMRANGEBYRANK', window, 0, size - cap - 1) end
redis.call('PEXPIRE', window, windowMs)
local count = redis.call('ZCARD', window)
local oldest = redis.call('ZRANGE', window, 0, 0, 'WITHSCORES')[2]
local alert = 0
if count >= threshold then
  if cooldownMs <= 0 or redis.call('SET', cooldown, now, 'PX', cooldownMs, 'NX') then alert = 1 end
end
return {count, alert, oldest}
`;

/** Sliding windows of adversarial verdicts in Redis sorted sets, one per scope. */
export class AttackWindows {
  readonly #redis: Redis;
  readonly #rule: WindowRule;
  readonly #keys: ReturnType<typeof monitorKeys>;
  /** Bounds memory under a flood: the window never holds more members than this. */
  readonly #cap: number;

  constructor(redis: Redis, rule: WindowRule, options: { prefix?: string; cap?: number } = {}) {
    this.#redis = redis;
    this.#rule = rule;
    this.#keys = monitorKeys(options.prefix);
    this.#cap = options.cap ?? Math.max(10_000, rule.threshold * 10);
  }

  async record(scope: string, eventId: string, atMs: number): Promise<WindowOutcome> {
    const [count, alert, oldest] = (await this.#redis.eval(
      RECORD_ATTACK,
      2,
      this.#keys.window(scope),
      this.#keys.cooldown(scope),
      atMs,
      this.#rule.windowMs,
      this.#rule.threshold,
      this.#rule.cooldownMs,
      eventId,
      this.#cap,
    )) as [number, number, string];
    return { scope, count, alert: alert === 1, oldestMs: Number(oldest) };
  }
}
