import { describe, expect, it } from 'vitest';
import { buildDayReport, formatDailyReport, lastDays } from './daily-report.ts';

const NO_BUDGET = { expectedFpr: 0 };

describe('buildDayReport', () => {
  it('totals verdicts, rates attacks among screened images and ranks sources by attacks', () => {
    const report = buildDayReport(
      '2026-11-24',
      {
        clean: 90,
        adversarial: 10,
        rejected: 5,
        'alice:clean': 60,
        'alice:adversarial': 1,
        'bot:7:adversarial': 9, // a source name may hold ':'
        'bot:7:clean': 30,
        'carol:rejected': 5,
      },
      { expectedFpr: 0.02 },
    );
    expect(report).toEqual({
      day: '2026-11-24',
      total: 105,
      clean: 90,
      adversarial: 10,
      rejected: 5,
      adversarialRate: 0.1,
      // 10 of 100 where 2 are expected: P(X >= 10) under Poisson(2) is about 5e-5, not under 1e-6.
      budget: { expected: 2, aboveBudget: false },
      topSources: [
        { source: 'bot:7', adversarial: 9, total: 39, budget: { expected: 0.78, aboveBudget: true } },
        { source: 'alice', adversarial: 1, total: 61, budget: { expected: 1.22, aboveBudget: false } },
      ],
      sourcesOverBudget: [
        { source: 'bot:7', adversarial: 9, total: 39, budget: { expected: 0.78, aboveBudget: true } },
      ],
    });
  });

  it('has no rate on a day without screened images, and keeps only the top sources', () => {
    expect(buildDayReport('2026-11-24', {}, { expectedFpr: 0.02 })).toMatchObject({
      adversarialRate: null,
      budget: null,
    });
    const counters = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`s${i}:adversarial`, i + 1]));
    expect(
      buildDayReport('d', counters, { expectedFpr: 0.02, topSources: 3 }).topSources.map((s) => s.source),
    ).toEqual(['s7', 's6', 's5']);
  });

  it('checks nothing against a budget of 0', () =>
    expect(buildDayReport('d', { clean: 1, adversarial: 99 }, NO_BUDGET).budget).toBeNull());
});

describe('lastDays', () => {
  it('lists UTC days oldest first, ending today', () =>
    expect(lastDays(Date.parse('2026-03-01T01:00:00Z'), 3)).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
    ]));
});

/** `flagged` of each source's `perSource` screened images flagged, over `sources` sources. */
function spreadDay(day: string, sources: number, perSource: number, flagged: number) {
  const counters: Record<string, number> = {
    clean: sources * (perSource - flagged),
    adversarial: sources * flagged,
  };
  for (let i = 0; i < sources; i++) {
    counters[`user-${i}:clean`] = perSource - flagged;
    counters[`user-${i}:adversarial`] = flagged;
  }
  return buildDayReport(day, counters, { expectedFpr: 0.02 });
}

describe('formatDailyReport', () => {
  it('prints one aligned row per day and the sources behind the attacks', () => {
    const text = formatDailyReport(
      [
        buildDayReport('2026-11-23', {}, { expectedFpr: 0.02 }),
        buildDayReport(
          '2026-11-24',
          { clean: 3, adversarial: 1, 'bot:adversarial': 1 },
          { expectedFpr: 0.02 },
        ),
      ],
      0.02,
    );
    expect(text.split('\n').slice(0, 3)).toEqual([
      'day         total  clean  adversarial  rejected  adversarial rate   vs 2.0% budget',
      '2026-11-23      0      0            0         0                 -                -',
      '2026-11-24      4      3            1         0             25.0%  too few to tell',
    ]);
    const quiet = buildDayReport('2026-11-25', { clean: 990, adversarial: 10 }, { expectedFpr: 0.02 });
    expect(
      formatDailyReport([quiet], 0.02)
        .split('\n')[1]
        ?.split(/\s{2,}/)
        .at(-1),
    ).toBe('within');
    expect(text).toContain('2026-11-24: bot 1 of 1');
    expect(text).not.toContain('over the false-positive budget');
  });

  it('says whether a day over budget has senders over it, or points to calibration', () => {
    // 5% flagged, evenly over 50 ordinary senders of 400 images each: no one sender stands out.
    const spread = spreadDay('2026-11-23', 50, 400, 20);
    // A quiet day but for one sender whose uploads are nearly all flagged, fewer in number than
    // the ordinary ones' false positives: named though it is not among the top sources shown.
    const campaign = buildDayReport(
      '2026-11-24',
      {
        clean: 9_900,
        adversarial: 300,
        'users:clean': 9_880,
        'users:adversarial': 200,
        'agent-9:adversarial': 100,
        'agent-9:clean': 20,
      },
      { expectedFpr: 0.02, topSources: 1 },
    );
    expect(campaign.topSources.map((s) => s.source)).toEqual(['users']);
    const text = formatDailyReport([spread, campaign], 0.02);
    expect(
      text
        .split('\n')
        .slice(1, 3)
        .map((row) => row.split(/\s+/).at(-1)),
    ).toEqual(['ABOVE', 'ABOVE']);
    expect(text).toContain(
      '2026-11-23: 1000 flagged where false positives explain about 400.0, and no single source is over it: likely traffic the operating points were not set on',
    );
    expect(text).toContain(
      '2026-11-24: 300 flagged where false positives explain about 204.0; over the budget on their own: agent-9 (100 of 120)',
    );
  });

  it("prints a sender's control characters written out, so its name cannot drive the terminal", () => {
    // A sender named in its upload's metadata (an RFC 2047 word decodes to any character).
    const named = '\u001b]0;ops\u0007\u001b[2J';
    const day = buildDayReport(
      '2026-11-24',
      { clean: 5, adversarial: 100, [`${named}:adversarial`]: 100, [`${named}:clean`]: 5 },
      { expectedFpr: 0.02 },
    );
    const text = formatDailyReport([day], 0.02);
    expect(text).not.toMatch(/\p{Cc}(?<!\n)/u);
    expect(text).toContain('\\u001b]0;ops\\u0007\\u001b[2J 100 of 105');
    expect(text).toContain('over the budget on their own: \\u001b]0;ops');
  });
});
