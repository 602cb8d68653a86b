import {
  createQueryHistory,
  createRedisQueryHistoryStore,
  FINGERPRINT_BYTES,
  type QueryHistoryRule,
} from '@advscreen/query-history';
import { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';

const redis = new Redis(inject('redis').url);
const other = new Redis(inject('redis').url);
let prefix: string;
beforeEach(() => {
  prefix = `test-${Math.random().toString(36).slice(2)}`;
});
afterAll(() => {
  redis.disconnect();
  other.disconnect();
});

const rule: QueryHistoryRule = { radius: 3, neighbours: 5, size: 4, windowMs: 60_000 };
/** Top half at `level`, bottom half 60 levels brighter: a picture, not a plain image. */
const picture = (level: number) => {
  const data = new Uint8Array(8 * 8 * 3).fill(level);
  data.fill(level + 60, data.length / 2);
  return { width: 8, height: 8, data };
};

describe('the query history on a real Redis', () => {
  it('returns what came before, newest first, trimmed to its size, expiring with the window', async () => {
    const store = createRedisQueryHistoryStore(redis, rule, prefix);
    const entry = (id: number) => ({
      contentId: id.toString(16).padStart(16, '0'),
      atMs: 1_700_000_000_000 + id,
      fingerprint: new Uint8Array(FINGERPRINT_BYTES).fill(id),
    });
    expect(await store.recordAndRecall('bot', entry(1))).toEqual([]);
    for (let id = 2; id <= 6; id++) await store.recordAndRecall('bot', entry(id));
    expect(await store.recordAndRecall('bot', entry(7))).toEqual([6, 5, 4, 3].map(entry));
    expect(await redis.llen(`${prefix}:queries:bot`)).toBe(4);
    const ttl = await redis.pttl(`${prefix}:queries:bot`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await store.recordAndRecall('another', entry(8))).toEqual([]);
  });

  it('sees the near-duplicates that detectors on other connections recorded', async () => {
    const wide = { ...rule, size: 64 };
    const detectors = [redis, other].map((connection) =>
      createQueryHistory(createRedisQueryHistoryStore(connection, wide, prefix), wide),
    );
    const repeated = [];
    for (let i = 0; i < 8; i++) {
      const finding = await detectors[i % 2]?.inspect('agent', {
        content: `etag-${i}`,
        atMs: Date.now(),
        image: picture(100 + (i % 3)),
      });
      repeated.push(finding?.repeated);
    }
    expect(repeated).toEqual([false, false, false, false, false, true, true, true]);
    // A retry of the same object is not its own neighbour.
    const retry = await detectors[0]?.inspect('agent', {
      content: 'etag-7',
      atMs: Date.now(),
      image: picture(101),
    });
    expect(retry?.neighbours).toBe(7);
  });
});
