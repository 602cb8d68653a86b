/** What one UTC day looked like, from its counters. */
export interface DayReport {
  day: string;
  total: number;
  clean: number;
  adversarial: number;
  rejected: number;
  /** Adversarial share of the images that were screened (rejected ones excluded); null on an idle day. */
  adversarialRate: number | null;
  /** Sources with the most adversarial verdicts that day, most first. */
  topSources: { source: string; adversarial: number; total: number }[];
}

const VERDICTS = ['clean', 'adversarial', 'rejected'] as const;

/** Builds one day's report from its counter hash (`<verdict>` and `<source>:<verdict>` fields). */
export function buildDayReport(day: string, counters: Record<string, number>, topSources = 5): DayReport {
  const bySource = new Map<string, { adversarial: number; total: number }>();
  for (const [field, value] of Object.entries(counters)) {
    const split = field.lastIndexOf(':');
    if (split < 0) continue;
    const source = field.slice(0, split);
    const entry = bySource.get(source) ?? { adversarial: 0, total: 0 };
    entry.total += value;
    if (field.slice(split + 1) === 'adversarial') entry.adversarial += value;
    bySource.set(source, entry);
  }
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
    topSources: [...bySource]
      .filter(([, entry]) => entry.adversarial > 0)
      .sort(([a, x], [b, y]) => y.adversarial - x.adversarial || a.localeCompare(b))
      .slice(0, topSources)
      .map(([source, entry]) => ({ source, ...entry })),
  };
}

/** The UTC days from `days - 1` days before `nowMs` to that day, oldest first. */
export function lastDays(nowMs: number, days: number): string[] {
  return Array.from({ length: days }, (_, i) =>
    new Date(nowMs - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10),
  );
}

/** A fixed-width table for a terminal, one row per day, then the sources behind the attacks. */
export function formatDailyReport(reports: readonly DayReport[]): string {
  const rows = reports.map((r) => [
    r.day,
    String(r.total),
    String(r.clean),
    String(r.adversarial),
    String(r.rejected),
    r.adversarialRate === null ? '-' : `${(r.adversarialRate * 100).toFixed(1)}%`,
  ]);
  const header = ['day', 'total', 'clean', 'adversarial', 'rejected', 'adversarial rate'];
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => (row[c] as string).length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] as number) : cell.padStart(widths[c] as number)))
      .join('  ');
  const sources = reports
    .filter((r) => r.topSources.length > 0)
    .map(
      (r) => `${r.day}: ${r.topSources.map((s) => `${s.source} ${s.adversarial} of ${s.total}`).join(', ')}`,
    );
  return [
    line(header),
    ...rows.map(line),
    '',
    sources.length > 0 ? 'Sources of adversarial images:' : 'No adversarial images in these days.',
    ...sources,
  ].join('\n');
}
