import { describe, expect, it } from 'vitest';
import { formatPrometheusMetrics } from './prometheus.ts';

const samplesOf = (text: string) => text.split('\n').filter((line) => line && !line.startsWith('#'));

describe('formatPrometheusMetrics', () => {
  it('writes queue depths, the day’s totals and per-source counts as separate metrics', () => {
    const text = formatPrometheusMetrics(
      {
        queues: { detect: { waiting: 12, active: 2 }, infer: { waiting: 0 } },
        day: '2026-11-25',
        counters: {
          clean: 41,
          adversarial: 3,
          'bot-7:adversarial': 3,
          'bot-7:clean': 2,
          'we"ird\\src:clean': 1,
          'unattributed:clean': 38,
        },
      },
      20,
    );
    expect(samplesOf(text)).toEqual([
      'advscreen_queue_jobs{queue="detect",state="active"} 2',
      'advscreen_queue_jobs{queue="detect",state="waiting"} 12',
      'advscreen_queue_jobs{queue="infer",state="waiting"} 0',
      'advscreen_verdicts_today{day="2026-11-25",verdict="adversarial"} 3',
      'advscreen_verdicts_today{day="2026-11-25",verdict="clean"} 41',
      'advscreen_source_verdicts_today{day="2026-11-25",source="bot-7",verdict="adversarial"} 3',
      'advscreen_source_verdicts_today{day="2026-11-25",source="bot-7",verdict="clean"} 2',
      'advscreen_source_verdicts_today{day="2026-11-25",source="unattributed",verdict="clean"} 38',
      'advscreen_source_verdicts_today{day="2026-11-25",source="we\\"ird\\\\src",verdict="clean"} 1',
      'advscreen_sources_today{day="2026-11-25"} 3',
    ]);
    expect(text).toMatch(/^# TYPE advscreen_queue_jobs gauge$/m);
    expect(text).toMatch(/^# TYPE advscreen_source_verdicts_today gauge$/m);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('reports per source only the sources with the most adversarial verdicts, then rejections, then objects', () => {
    const counters: Record<string, number> = {};
    for (let i = 0; i < 30; i++) counters[`sender-${i}:clean`] = 100 + i;
    counters['quiet-attacker:adversarial'] = 1;
    counters['rejected-files:rejected'] = 2;
    counters['rejected-files:clean'] = 500;
    const reported = (limit: number) =>
      new Set(
        samplesOf(formatPrometheusMetrics({ queues: {}, day: '2026-11-25', counters }, limit))
          .filter((line) => line.startsWith('advscreen_source_verdicts_today'))
          .map((line) => /source="([^"]*)"/.exec(line)?.[1]),
      );
    expect(reported(1)).toEqual(new Set(['quiet-attacker']));
    expect(reported(2)).toEqual(new Set(['quiet-attacker', 'rejected-files']));
    expect(reported(3)).toEqual(new Set(['quiet-attacker', 'rejected-files', 'sender-29']));
    const text = formatPrometheusMetrics({ queues: {}, day: '2026-11-25', counters }, 3);
    expect(text).toMatch(/^advscreen_sources_today\{day="2026-11-25"\} 32$/m);
  });
});
