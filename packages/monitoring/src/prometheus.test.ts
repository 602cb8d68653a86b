import { describe, expect, it } from 'vitest';
import { formatPrometheusMetrics } from './prometheus.ts';

describe('formatPrometheusMetrics', () => {
  it('writes queue depths and the day’s verdict counters in the text exposition format', () => {
    const text = formatPrometheusMetrics({
      queues: { detect: { waiting: 12, active: 2 }, infer: { waiting: 0 } },
      day: '2026-11-25',
      counters: { clean: 40, adversarial: 3, 'bot-7:adversarial': 3, 'we"ird\\src:clean': 1 },
    });
    const samples = text.split('\n').filter((line) => line && !line.startsWith('#'));
    expect(samples).toEqual([
      'advscreen_queue_jobs{queue="detect",state="active"} 2',
      'advscreen_queue_jobs{queue="detect",state="waiting"} 12',
      'advscreen_queue_jobs{queue="infer",state="waiting"} 0',
      'advscreen_verdicts_today{day="2026-11-25",verdict="adversarial"} 3',
      'advscreen_verdicts_today{day="2026-11-25",source="bot-7",verdict="adversarial"} 3',
      'advscreen_verdicts_today{day="2026-11-25",verdict="clean"} 40',
      'advscreen_verdicts_today{day="2026-11-25",source="we\\"ird\\\\src",verdict="clean"} 1',
    ]);
    expect(text).toMatch(/^# TYPE advscreen_queue_jobs gauge$/m);
    expect(text.endsWith('\n')).toBe(true);
  });
});
