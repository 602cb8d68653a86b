import { printable } from '@advscreen/contracts';
import { ALERT_SIGNIFICANCE, poissonTail } from './attack-window.ts';
import { splitDayCounters } from './daily-stats.ts';

/**
 * Adversarial verdicts among `screened` images, against the share of clean images the cascade
 * is calibrated to flag: how many false positives alone would give, and whether the count is
 * more than they explain (the alert rule's test). Null where no budget is set or nothing was
 * screened.
 */
export interface BudgetCheck {
  expected: number;
  aboveBudget: boolean;
}

function budgetCheck(adversarial: number, screened: number, expectedFpr: number): BudgetCheck | null {
  if (expectedFpr <= 0 || screened === 0) return null;
  const expected = expectedFpr * screened;
  return { expected, aboveBudget: poissonTail(adversarial, expected) < ALERT_SIGNIFICANCE };
}

/** What one UTC day looked like, from its counters. */
export interface DayReport {
  day: string;
  total: number;
  clean: number;
  adversarial: number;
  rejected: number;
  /** Adversarial share of the images that were screened (rejected ones excluded); null on an idle day. */
  adversarialRate: number | null;
  /** Against the calibrated false-positive budget: a steady excess on ordinary traffic says the operating points do not hold on it. */
  budget: BudgetCheck | null;
  /** Sources with the most adversarial verdicts that day, most first. */
  topSources: SourceDay[];
  /** Sources over the budget on their own (any source, not only the top ones), largest excess first. */
  sourcesOverBudget: SourceDay[];
}

export interface SourceDay {
  source: string;
  adversarial: number;
  total: number;
  budget: BudgetCheck | null;
}

export interface DayReportOptions {
  /** The share of clean images the cascade flags (ADVSCREEN_ALERT_EXPECTED_FPR); 0: no check. */
  expectedFpr: number;
  topSources?: number;
}

const VERDICTS = ['clean', 'adversarial', 'rejected'] as const;

/** Builds one day's report from its counter hash (`<verdict>` and `<source>:<verdict>` fields). */
export function buildDayReport(
  day: string,
  counters: Record<string, number>,
  { expectedFpr, topSources = 5 }: DayReportOptions,
): DayReport {
  const sources: SourceDay[] = [...splitDayCounters(counters).bySource].map(([source, verdicts]) => {
    const total = [...verdicts.values()].reduce((sum, n) => sum + n, 0);
    const adversarial = verdicts.get('adversarial') ?? 0;
    const screened = total - (verdicts.get('rejected') ?? 0);
    return { source, adversarial, total, budget: budgetCheck(adversarial, screened, expectedFpr) };
  });
  const excess = (s: SourceDay) => s.adversarial - (s.budget?.expected ?? 0);
  const [clean, adversarial, rejected] = VERDICTS.map((verdict) => counters[verdict] ?? 0) as [
    number,
    number,
    number,
  ];
  return {
    day,
    total: clean + adversarial + rejected,
    clean,
    adversarial,
    rejected,
    adversarialRate: clean + adversarial > 0 ? adversarial / (clean + adversarial) : null,
    budget: budgetCheck(adversarial, clean + adversarial, expectedFpr),
    topSources: sources
      .filter((s) => s.adversarial > 0)
      .sort((a, b) => b.adversarial - a.adversarial || a.source.localeCompare(b.source))
      .slice(0, topSources),
    sourcesOverBudget: sources
      .filter((s) => s.budget?.aboveBudget)
      .sort((a, b) => excess(b) - excess(a) || a.source.localeCompare(b.source))
      .slice(0, topSources),
  };
}

/** The UTC days from `days - 1` days before `nowMs` to that day, oldest first. */
export function lastDays(nowMs: number, days: number): string[] {
  return Array.from({ length: days }, (_, i) =>
    new Date(nowMs - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10),
  );
}

/**
 * The day against its budget: ABOVE when false positives cannot explain its count; a rate over
 * the budget on too few images to tell (3 flagged of 7 is 43%, yet likely enough by chance at 2%)
 * is said as such, not as within.
 */
function budgetCell(budget: BudgetCheck | null, adversarial: number): string {
  if (budget === null) return '-';
  if (budget.aboveBudget) return 'ABOVE';
  return adversarial > budget.expected ? 'too few to tell' : 'within';
}

/**
 * What a day over its budget points to: the sources over it on their own (a campaign has a
 * sender), or, when none is, traffic the operating points were not set on.
 */
function budgetFinding(report: DayReport): string {
  const over = report.sourcesOverBudget;
  const expected = report.budget?.expected.toFixed(1);
  const head = `${report.day}: ${report.adversarial} flagged where false positives explain about ${expected}`;
  if (over.length > 0)
    return `${head}; over the budget on their own: ${over.map((s) => `${printable(s.source)} (${s.adversarial} of ${s.total})`).join(', ')}`;
  return `${head}, and no single source is over it: likely traffic the operating points were not set on (run advscreen calibrate and calibrate-model on a sample of it)`;
}

/**
 * A fixed-width table for a terminal, one row per day (with the day against the false-positive
 * budget `expectedFpr`), then the sources behind the attacks and what days over budget point to.
 */
export function formatDailyReport(reports: readonly DayReport[], expectedFpr: number): string {
  const rows = reports.map((r) => [
    r.day,
    String(r.total),
    String(r.clean),
    String(r.adversarial),
    String(r.rejected),
    r.adversarialRate === null ? '-' : `${(r.adversarialRate * 100).toFixed(1)}%`,
    budgetCell(r.budget, r.adversarial),
  ]);
  const budgetHeader = expectedFpr > 0 ? `vs ${(expectedFpr * 100).toFixed(1)}% budget` : 'budget';
  const header = ['day', 'total', 'clean', 'adversarial', 'rejected', 'adversarial rate', budgetHeader];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => (row[c] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number)))
      .join('  ');
  const sources = reports
    .filter((r) => r.topSources.length > 0)
    .map(
      (r) =>
        `${r.day}: ${r.topSources.map((s) => `${printable(s.source)} ${s.adversarial} of ${s.total}`).join(', ')}`,
    );
  const overBudget = reports.filter((r) => r.budget?.aboveBudget).map(budgetFinding);
  return [
    line(header),
    ...rows.map(line),
    '',
    sources.length > 0 ? 'Sources of adversarial images:' : 'No adversarial images in these days.',
    ...sources,
    ...(overBudget.length > 0
      ? ['', 'Days over the false-positive budget (more flagged than it explains, p < 1e-6):', ...overBudget]
      : []),
  ].join('\n');
}
