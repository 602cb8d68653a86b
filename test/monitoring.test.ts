import type { AlertJob, VerdictEvent } from '@advscreen/contracts';
import { monitorEvent } from '@advscreen/fleet';
import { AttackWindows, DailyStats, type DayReport, OTHER_SOURCES, utcDay } from '@advscreen/monitoring';
import { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { runCli } from './support/cli.ts';

const redis = new Redis(inject('redis').url);
let prefix: string;
beforeEach(() => {
  prefix = `test-${Math.random().toString(36).slice(2)}`;
});
afterAll(() => redis.disconnect());

const attack = (id: string, atMs: number) => ({ id, atMs, adversarial: true });
const screenedClean = (id: string, atMs: number) => ({ id, atMs, adversarial: false });
/** The threshold alone decides, as before the rule knew the false-positive rate. */
const countOnly = { cooldownMs: 0, expectedFpr: 0 };

describe('AttackWindows on a real Redis', () => {
  it('fires once at the threshold, then stays quiet for the cooldown', async () => {
    const windows = new AttackWindows(
      redis,
      { threshold: 3, windowMs: 60_000, cooldownMs: 600_000, expectedFpr: 0 },
      { prefix },
    );
    const t = 1_000_000;
    const fired = [];
    for (let i = 0; i < 6; i++) fired.push((await windows.record('global', attack(`e${i}`, t + i))).alert);
    expect(fired).toEqual([false, false, true, false, false, false]);
    expect(await redis.pttl(`${prefix}:cooldown:global`)).toBeGreaterThan(590_000);
  });

  it('counts a redelivered event once', async () => {
    const windows = new AttackWindows(redis, { ...countOnly, threshold: 2, windowMs: 60_000 }, { prefix });
    await windows.record('global', attack('same', 1000));
    const again = await windows.record('global', attack('same', 1001));
    expect(again).toMatchObject({ count: 1, alert: false });
  });

  it('forgets events older than the window and expires the key', async () => {
    const windows = new AttackWindows(redis, { ...countOnly, threshold: 2, windowMs: 1000 }, { prefix });
    await windows.record('source:a', attack('old', 10_000));
    const later = await windows.record('source:a', attack('new', 12_000));
    expect(later).toMatchObject({ count: 1, alert: false, oldestMs: 12_000 });
    const ttl = await redis.pttl(`${prefix}:window:source:a`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(1000);
  });

  it('alerts on flagged images beyond what the false-positive rate explains for the volume screened', async () => {
    const rule = { threshold: 5, windowMs: 60_000, cooldownMs: 0, expectedFpr: 0.02 };
    const busy = new AttackWindows(redis, rule, { prefix });
    // 1,000 images from one busy source, 20 flagged: what a 2% false-positive rate gives.
    const busyOutcomes = [];
    for (let i = 0; i < 1000; i++)
      busyOutcomes.push(
        await busy.record(
          'source:busy',
          i % 50 === 0 ? attack(`b${i}`, 1000 + i) : screenedClean(`b${i}`, 1000 + i),
        ),
      );
    const last = busyOutcomes.at(-1);
    expect(last).toMatchObject({ screened: 1000, count: 20, alert: false });
    expect(busyOutcomes.filter((o) => o.alert)).toHaveLength(0);
    expect(Math.max(...busyOutcomes.map((o) => o.count))).toBe(20);
    // An agent whose every upload is refused: the fifth one alerts.
    const fired = [];
    for (let i = 0; i < 6; i++)
      fired.push((await busy.record('source:agent', attack(`a${i}`, 2000 + i))).alert);
    expect(fired).toEqual([false, false, false, false, true, true]);
  });

  it('forgets screened images older than the window', async () => {
    const windows = new AttackWindows(redis, { ...countOnly, threshold: 2, windowMs: 3000 }, { prefix });
    for (let i = 0; i < 10; i++) await windows.record('global', screenedClean(`old${i}`, 10_000 + i));
    const later = await windows.record('global', attack('new', 20_000));
    expect(later).toMatchObject({ count: 1, screened: 1 });
    expect(await redis.hlen(`${prefix}:screened:global`)).toBe(1);
  });

  it('bounds the window under a flood', async () => {
    const windows = new AttackWindows(
      redis,
      { ...countOnly, threshold: 1000, windowMs: 60_000 },
      { prefix, cap: 50 },
    );
    for (let i = 0; i < 80; i++) await windows.record('global', attack(`e${i}`, 5000 + i));
    expect(await redis.zcard(`${prefix}:window:global`)).toBe(50);
  });
});

describe('monitorEvent on a real Redis', () => {
  it("holds senders' alerts to a shared budget a cooldown period, while the global window still alerts", async () => {
    const rule = {
      threshold: 5,
      windowMs: 300_000,
      cooldownMs: 1_800_000,
      expectedFpr: 0,
      maxSourceAlerts: 10,
    };
    const alerts: AlertJob[] = [];
    const deps = {
      windows: new AttackWindows(redis, rule, { prefix }),
      daily: new DailyStats(redis, prefix),
      queues: { alerts: { add: async (_name: string, alert: AlertJob) => alerts.push(alert) } },
      rule,
    };
    /** An adversarial verdict on upload `n` of `source`, at `atMs`. */
    const flagged = (source: string, n: number, atMs: number): VerdictEvent => ({
      v: 1,
      object: { bucket: 'uploads', key: `${source}/${n}.png`, etag: `${source}-${n}` },
      source,
      verdict: 'adversarial',
      stage: 'detector',
      score: 1,
      at: new Date(atMs).toISOString(),
    });
    // An agent naming itself afresh every 5 uploads: 15 senders, each of whose windows fills.
    const start = Date.UTC(2026, 10, 29, 12);
    for (let sender = 0; sender < 15; sender++)
      for (let upload = 0; upload < 5; upload++)
        await monitorEvent(flagged(`agent-${sender}`, upload, start + sender * 1000 + upload), deps);
    const senders = alerts.flatMap((a) => a.scopesFired.filter((scope) => scope.startsWith('source:')));
    expect(senders).toEqual(Array.from({ length: 10 }, (_, i) => `source:agent-${i}`));
    expect(alerts.filter((a) => a.scopesFired.includes('global'))).toHaveLength(1);
    // The next cooldown period has a budget of its own.
    const later = start + rule.cooldownMs + 60_000;
    for (let upload = 0; upload < 5; upload++)
      await monitorEvent(flagged('late-agent', upload, later + upload), deps);
    expect(alerts.at(-1)?.scopesFired).toContain('source:late-agent');
  });
});

describe('DailyStats on a real Redis', () => {
  it('counts per verdict and per source and verdict, with a retention TTL', async () => {
    const stats = new DailyStats(redis, prefix);
    const at = Date.parse('2026-11-24T12:00:00Z');
    await stats.count({ id: 'e1', atMs: at, source: 'bot-7', verdict: 'adversarial' });
    await stats.count({ id: 'e2', atMs: at, source: 'bot-7', verdict: 'adversarial' });
    await stats.count({ id: 'e3', atMs: at, source: 'alice', verdict: 'clean' });
    expect(await stats.read('2026-11-24')).toEqual({
      adversarial: 2,
      'bot-7:adversarial': 2,
      clean: 1,
      'alice:clean': 1,
    });
    expect(await redis.ttl(`${prefix}:daily:2026-11-24`)).toBeGreaterThan(30 * 24 * 3600);
  });

  it("counts a day's sources apart up to a cap, the rest together", async () => {
    // Room for the two totals and three source fields.
    const stats = new DailyStats(redis, prefix, 5);
    const at = Date.parse('2026-11-24T12:00:00Z');
    let id = 0;
    const count = (source: string, verdict: string) =>
      stats.count({ id: `e${id++}`, atMs: at, source, verdict });
    await count('alice', 'clean');
    await count('bot-7', 'adversarial');
    await count('bot-8', 'adversarial');
    for (const source of ['rotating-1', 'rotating-2', 'rotating-3']) await count(source, 'adversarial');
    // A source counted apart before the cap stays apart.
    await count('alice', 'clean');
    expect(await stats.read('2026-11-24')).toEqual({
      clean: 2,
      adversarial: 5,
      'alice:clean': 2,
      'bot-7:adversarial': 1,
      'bot-8:adversarial': 1,
      [`${OTHER_SOURCES}:adversarial`]: 3,
    });
  });

  it('counts a redelivered event once', async () => {
    const stats = new DailyStats(redis, prefix);
    const event = {
      id: 'same',
      atMs: Date.parse('2026-11-24T12:00:00Z'),
      source: 'bot-7',
      verdict: 'adversarial',
    };
    expect(await stats.count(event)).toBe(true);
    expect(await stats.count(event)).toBe(false);
    expect(await stats.read('2026-11-24')).toEqual({ adversarial: 1, 'bot-7:adversarial': 1 });
    const seenTtl = await redis.ttl(`${prefix}:daily-seen:2026-11-24`);
    expect(seenTtl).toBeGreaterThan(0);
    expect(seenTtl).toBeLessThanOrEqual(2 * 24 * 3600);
  });
});

describe('advscreen report', () => {
  it("prints the fleet's daily counters per day and source", async () => {
    // A database of its own, so the default key prefix the monitor uses is free.
    const url = `${inject('redis').url}/7`;
    const db = new Redis(url);
    await db.flushdb();
    const stats = new DailyStats(db);
    const now = Date.now();
    const events = [
      ['bot-7', 'adversarial'],
      ['bot-7', 'adversarial'],
      ['bot-7', 'clean'],
      ['alice', 'clean'],
      ['alice', 'rejected'],
    ];
    for (const [i, [source, verdict]] of events.entries())
      await stats.count({ id: `e${i}`, atMs: now, source: source as string, verdict: verdict as string });
    await stats.count({ id: 'old', atMs: now - 86_400_000, source: 'alice', verdict: 'clean' });
    db.disconnect();

    const json = await runCli(['report', '--days', '2', '--json'], { ADVSCREEN_REDIS_URL: url });
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const reports = JSON.parse(json.stdout) as DayReport[];
    expect(reports.map((r) => r.day)).toEqual([utcDay(now - 86_400_000), utcDay(now)]);
    expect(reports[0]).toMatchObject({ total: 1, clean: 1, adversarial: 0 });
    expect(reports[1]).toMatchObject({
      total: 5,
      clean: 2,
      adversarial: 2,
      rejected: 1,
      adversarialRate: 0.5,
      topSources: [{ source: 'bot-7', adversarial: 2, total: 3 }],
    });
    // Against the default budget (ADVSCREEN_ALERT_EXPECTED_FPR 0.02): 2 of 4 is not enough to tell.
    expect(reports[1]?.budget).toEqual({ expected: 0.08, aboveBudget: false });

    const text = await runCli(['report', '--days', '2'], { ADVSCREEN_REDIS_URL: url });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`${utcDay(now)}: bot-7 2 of 3`);
    const [header, , today] = text.stdout.split('\n');
    expect(header).toMatch(/adversarial rate +vs 2\.0% budget$/);
    expect(today).toMatch(/50\.0% +too few to tell$/);
  });

  it('fails with an error, not a hang, when Redis is unreachable', async () => {
    const result = await runCli(['report'], { ADVSCREEN_REDIS_URL: 'redis://127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot connect to Redis at 127.0.0.1:1: .*ECONNREFUSED/);
    // One line saying what failed; where, only when asked for.
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    const debug = await runCli(['report'], {
      ADVSCREEN_REDIS_URL: 'redis://127.0.0.1:1',
      ADVSCREEN_LOG_LEVEL: 'debug',
    });
    expect(debug.stderr).toMatch(/\n\s+at openCommandConnection/);
  });
});
