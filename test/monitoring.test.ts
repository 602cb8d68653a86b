import { AttackWindows, DailyStats } from '@advscreen/monitoring';
import { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';

const redis = new Redis(inject('redis').url);
let prefix: string;
beforeEach(() => {
  prefix = `test-${Math.random().toString(36).slice(2)}`;
});
afterAll(() => redis.disconnect());

describe('AttackWindows on a real Redis', () => {
  it('fires once at the threshold, then stays quiet for the cooldown', async () => {
    const windows = new AttackWindows(
      redis,
      { threshold: 3, windowMs: 60_000, cooldownMs: 600_000 },
      { prefix },
    );
    const t = 1_000_000;
    const fired = [];
    for (let i = 0; i < 6; i++) fired.push((await windows.record('global', `e${i}`, t + i)).alert);
    expect(fired).toEqual([false, false, true, false, false, false]);
    expect(await redis.pttl(`${prefix}:cooldown:global`)).toBeGreaterThan(590_000);
  });

  it('counts a redelivered event once', async () => {
    const windows = new AttackWindows(redis, { threshold: 2, windowMs: 60_000, cooldownMs: 0 }, { prefix });
    await windows.record('global', 'same', 1000);
    const again = await windows.record('global', 'same', 1001);
    expect(again).toMatchObject({ count: 1, alert: false });
  });

  it('forgets events older than the window and expires the key', async () => {
    const windows = new AttackWindows(redis, { threshold: 2, windowMs: 1000, cooldownMs: 0 }, { prefix });
    await windows.record('source:a', 'old', 10_000);
    const later = await windows.record('source:a', 'new', 12_000);
    expect(later).toMatchObject({ count: 1, alert: false, oldestMs: 12_000 });
    const ttl = await redis.pttl(`${prefix}:window:source:a`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1000);
  });

  it('bounds the window under a flood', async () => {
    const windows = new AttackWindows(
      redis,
      { threshold: 1000, windowMs: 60_000, cooldownMs: 0 },
      { prefix, cap: 50 },
    );
    for (let i = 0; i < 80; i++) await windows.record('global', `e${i}`, 5000 + i);
    expect(await redis.zcard(`${prefix}:window:global`)).toBe(50);
  });
});

describe('DailyStats on a real Redis', () => {
  it('counts per verdict and per source and verdict, with a retention TTL', async () => {
    const stats = new DailyStats(redis, prefix);
    const at = Date.parse('2026-11-24T12:00:00Z');
    await stats.count(at, 'bot-7', 'adversarial');
    await stats.count(at, 'bot-7', 'adversarial');
    await stats.count(at, 'alice', 'clean');
    expect(await stats.read('2026-11-24')).toEqual({
      adversarial: 2,
      'bot-7:adversarial': 2,
      clean: 1,
      'alice:clean': 1,
    });
    expect(await redis.ttl(`${prefix}:daily:2026-11-24`)).toBeGreaterThan(30 * 24 * 3600);
  });
});
