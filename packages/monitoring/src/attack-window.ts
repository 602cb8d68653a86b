import type { Redis } from 'ioredis';
import { monitorKeys } from './redis-keys.ts';

export interface WindowRule {
  /** Alert when at least this many adversarial verdicts fall in the window. */
  threshold: number;
  windowMs: number;
  /** After an alert, no other alert for the same scope for this long. */
  cooldownMs: number;
  /**
   * The share of clean images the cascade is calibrated to flag. A window alerts only when its
   * adversarial verdicts are more than that share of the images screened in it explains
   * (unusualCount); 0: the threshold alone decides.
   */
  expectedFpr: number;
}

export interface WindowOutcome {
  scope: string;
  /** Adversarial verdicts in the window (each event once). */
  count: number;
  /** Images screened in the window, any verdict (buckets of a thirtieth of the window). */
  screened: number;
  /** Adversarial verdicts that false positives alone would give: `expectedFpr` x `screened`. */
  expected: number;
  /** True for exactly one caller when the rule fires outside a cooldown. */
  alert: boolean;
  oldestMs: number;
}

/**
 * How unlikely a window must be under false positives alone to alert: the Poisson tail
 * P(X >= count) with mean `expected`. Each flagged image tests its window again, so a looser
 * level would page someone daily on clean traffic at volume.
 */
export const ALERT_SIGNIFICANCE = 1e-6;

/**
 * P(X >= k) for X ~ Poisson(mean), summed in log space upward from k (exp(-mean) underflows at
 * the volumes a global window sees). Only the far tail matters here, so at or below the mean
 * it answers 1.
 */
export function poissonTail(k: number, mean: number): number {
  if (k <= 0) return 1;
  if (mean <= 0) return 0;
  if (k <= mean) return 1;
  let logFactorial = 0;
  for (let i = 2; i <= k; i++) logFactorial += Math.log(i);
  let logTerm = -mean + k * Math.log(mean) - logFactorial;
  let tail = 0;
  for (let i = k; ; i++) {
    const term = Math.exp(logTerm);
    tail += term;
    if (term < tail * 1e-12 || term === 0) break;
    logTerm += Math.log(mean) - Math.log(i + 1);
  }
  return Math.min(1, tail);
}

/** The rule's test for one window: at the threshold, and more than false positives explain. */
export function unusualCount(count: number, screened: number, rule: WindowRule): boolean {
  if (count < rule.threshold) return false;
  if (rule.expectedFpr <= 0) return true;
  return poissonTail(count, rule.expectedFpr * screened) < ALERT_SIGNIFICANCE;
}

const BUCKETS_PER_WINDOW = 30;

/**
 * One atomic step per scope: count the image in its time bucket of the screened total, drop
 * buckets that left the window, and sum; add an adversarial verdict to the window (member = its
 * id, so a redelivered event counts once there); drop what left the window, cap it and count.
 * The screened total is approximate: its oldest bucket may straddle the window's edge, and a
 * redelivered event counts again.
 */
const RECORD_EVENT = `
local window, screenedKey = KEYS[1], KEYS[2]
local now, windowMs, member, cap, bucketMs, adversarial = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6] == '1'
redis.call('HINCRBY', screenedKey, math.floor(now / bucketMs), 1)
redis.call('PEXPIRE', screenedKey, windowMs + bucketMs)
local screened = 0
local buckets = redis.call('HGETALL', screenedKey)
for i = 1, #buckets, 2 do
  if (tonumber(buckets[i]) + 1) * bucketMs <= now - windowMs then
    redis.call('HDEL', screenedKey, buckets[i])
  else
    screened = screened + tonumber(buckets[i + 1])
  end
end
if adversarial then redis.call('ZADD', window, now, member) end
redis.call('ZREMRANGEBYSCORE', window, '-inf', now - windowMs)
local size = redis.call('ZCARD', window)
if size > cap then redis.call('ZREMRANGEBYRANK', window, 0, size - cap - 1) end
redis.call('PEXPIRE', window, windowMs)
local count = redis.call('ZCARD', window)
local oldest = redis.call('ZRANGE', window, 0, 0, 'WITHSCORES')[2] or now
return {count, screened, oldest}
`;

/**
 * Sliding windows per scope in Redis: adversarial verdicts in a sorted set, images screened in
 * time buckets. The cooldown is claimed with one SET NX, so two monitors never both alert.
 */
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

  /** Counts one screened image in the scope's window; an adversarial one may raise the alert. */
  async record(
    scope: string,
    event: { id: string; atMs: number; adversarial: boolean },
  ): Promise<WindowOutcome> {
    const rule = this.#rule;
    const [count, screened, oldest] = (await this.#redis.eval(
      RECORD_EVENT,
      2,
      this.#keys.window(scope),
      this.#keys.screened(scope),
      event.atMs,
      rule.windowMs,
      event.id,
      this.#cap,
      Math.max(1, Math.floor(rule.windowMs / BUCKETS_PER_WINDOW)),
      event.adversarial ? '1' : '0',
    )) as [number, number, string | number];
    const alert =
      event.adversarial &&
      unusualCount(count, screened, rule) &&
      (rule.cooldownMs <= 0 ||
        (await this.#redis.set(this.#keys.cooldown(scope), event.atMs, 'PX', rule.cooldownMs, 'NX')) ===
          'OK');
    return {
      scope,
      count,
      screened,
      expected: rule.expectedFpr * screened,
      alert,
      oldestMs: Number(oldest),
    };
  }

  /**
   * Claims one of the `limit` alerts that a group of scopes (every sender's) may raise together in
   * a cooldown period (a window where there is no cooldown): the per-scope cooldown alone lets an
   * agent that names itself afresh every few uploads raise an alert per name.
   */
  async claimGroupAlert(group: string, atMs: number, limit: number): Promise<boolean> {
    const periodMs = this.#rule.cooldownMs > 0 ? this.#rule.cooldownMs : this.#rule.windowMs;
    const key = this.#keys.alertBudget(group, Math.floor(atMs / periodMs));
    const replies = await this.#redis
      .multi()
      .incr(key)
      .pexpire(key, 2 * periodMs)
      .exec();
    const [error, claimed] = replies?.[0] ?? [new Error('alert budget: no reply from MULTI'), 0];
    if (error) throw error;
    return (claimed as number) <= limit;
  }
}
