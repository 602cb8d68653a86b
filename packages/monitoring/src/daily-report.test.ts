import { describe, expect, it } from 'vitest';
import { buildDayReport, formatDailyReport, lastDays } from './daily-report.ts';

describe('buildDayReport', () => {
  it('totals verdicts, rates attacks among screened images and ranks sources by attacks', () => {
    const report = buildDayReport('2026-11-24', {
      clean: 90,
      adversarial: 10,
      rejected: 5,
      'alice:clean': 60,
      'alice:adversarial': 1,
      'bot:7:adversarial': 9, // a source name may hold ':'
      'bot:7:clean': 30,
      'carol:rejected': 5,
    });
    expect(report).toEqual({
      day: '2026-11-24',
      total: 105,
      clean: 90,
      adversarial: 10,
      rejected: 5,
      adversarialRate: 0.1,
      topSources: [
        { source: 'bot:7', adversarial: 9, total: 39 },
        { source: 'alice', adversarial: 1, total: 61 },
      ],
    });
  });

  it('has no rate on a day without screened images, and keeps only the top sources', () => {
    expect(buildDayReport('2026-11-24', {}).adversarialRate).toBeNull();
    const counters = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`s${i}:adversarial`, i + 1]));
    expect(buildDayReport('d', counters, 3).topSources.map((s) => s.source)).toEqual(['s7', 's6', 's5']);
  });
});

describe('lastDays', () => {
  it('lists UTC days oldest first, ending today', () =>
    expect(lastDays(Date.parse('2026-03-01T01:00:00Z'), 3)).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
    ]));
});

describe('formatDailyReport', () => {
  it('prints one aligned row per day and the sources behind the attacks', () => {
    const text = formatDailyReport([
      buildDayReport('2026-11-23', {}),
      buildDayReport('2026-11-24', { clean: 3, adversarial: 1, 'bot:adversarial': 1 }),
    ]);
    expect(text.split('\n').slice(0, 3)).toEqual([
      'day         total  clean  adversarial  rejected  adversarial rate',
      '2026-11-23      0      0            0         0                 -',
      '2026-11-24      4      3            1         0             25.0%',
    ]);
    expect(text).toContain('2026-11-24: bot 1 of 1');
  });
});
