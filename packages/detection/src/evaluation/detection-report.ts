import { auroc, rateAbove, thresholdAtFpr } from './metrics.ts';

/** One scored example, as described by a corpus manifest line. */
export interface ScoredExample {
  score: number;
  adversarial: boolean;
  attack: string | null;
  eps: string | null;
  format: string;
  /** Whether the attack changed the model's prediction; null for clean images. */
  success: boolean | null;
}

export interface AttackRow {
  attack: string;
  eps: string;
  format: string;
  count: number;
  auroc: number;
  tprAt1: number;
  tprAt5: number;
}

export interface DetectionReport {
  clean: number;
  thresholdAt1: number;
  thresholdAt5: number;
  rows: AttackRow[];
}

/** Scores of successful attacks, grouped per attack, eps and format, in report order. */
function successfulAttacks(
  examples: readonly ScoredExample[],
): { attack: string; eps: string; format: string; scores: number[] }[] {
  const groups = new Map<string, { attack: string; eps: string; format: string; scores: number[] }>();
  for (const e of examples) {
    if (!e.adversarial || e.success !== true) continue;
    const attack = e.attack ?? 'unknown';
    const eps = e.eps ?? '-';
    const key = `${attack}\t${eps}\t${e.format}`;
    const group = groups.get(key) ?? { attack, eps, format: e.format, scores: [] };
    group.scores.push(e.score);
    groups.set(key, group);
  }
  return [...groups.values()].sort((a, b) =>
    `${a.attack}${epsOrder(a.eps)}${a.format}`.localeCompare(`${b.attack}${epsOrder(b.eps)}${b.format}`),
  );
}

/** Clean scores, and per successful attack group its scores and AUROC against them: what both reports share. */
function attackGroups(examples: readonly ScoredExample[]) {
  const clean = examples.filter((e) => !e.adversarial).map((e) => e.score);
  const groups = successfulAttacks(examples).map((g) => ({
    row: {
      attack: g.attack,
      eps: g.eps,
      format: g.format,
      count: g.scores.length,
      auroc: auroc(clean, g.scores),
    },
    scores: g.scores,
  }));
  return { clean, groups };
}

/**
 * Per attack, eps and file format: AUROC against all clean images (PNG and JPEG) and TPR at
 * the thresholds where 1% and 5% of those clean images are flagged. Only successful
 * adversarial examples count, as an unsuccessful one is no threat.
 */
export function reportDetection(examples: readonly ScoredExample[]): DetectionReport {
  const { clean, groups } = attackGroups(examples);
  const thresholdAt1 = thresholdAtFpr(clean, 0.01);
  const thresholdAt5 = thresholdAtFpr(clean, 0.05);
  const rows = groups.map(({ row, scores }) => ({
    ...row,
    tprAt1: rateAbove(scores, thresholdAt1),
    tprAt5: rateAbove(scores, thresholdAt5),
  }));
  return { clean: clean.length, thresholdAt1, thresholdAt5, rows };
}

/**
 * `reportDetection` for each file format apart: a format's attacks against that format's clean
 * images only (formats with both). The detector scores each kind of file with a model of its own,
 * each offset so that 0 is its operating point; below those points their scores are not on one
 * scale, so an AUROC against every clean image also ranks an attack's files against other
 * models' clean scores. Formats in the examples' order.
 */
export function reportDetectionByFormat(examples: readonly ScoredExample[]): Map<string, DetectionReport> {
  const formats = [...new Set(examples.map((e) => e.format))];
  const reports = new Map<string, DetectionReport>();
  for (const format of formats) {
    const ofFormat = examples.filter((e) => e.format === format);
    if (!ofFormat.some((e) => !e.adversarial)) continue;
    const report = reportDetection(ofFormat);
    if (report.rows.length > 0) reports.set(format, report);
  }
  return reports;
}

export interface OperatingPointReport {
  threshold: number;
  clean: number;
  /** Share of clean images scored above the threshold. */
  fpr: number;
  rows: { attack: string; eps: string; format: string; count: number; auroc: number; tpr: number }[];
}

/**
 * Per attack, eps and format at one fixed threshold (the shipped operating point): the clean
 * images' false-positive rate, and each attack's AUROC and TPR. Successful attacks only.
 */
export function reportAtThreshold(
  examples: readonly ScoredExample[],
  threshold: number,
): OperatingPointReport {
  const { clean, groups } = attackGroups(examples);
  const rows = groups.map(({ row, scores }) => ({ ...row, tpr: rateAbove(scores, threshold) }));
  return { threshold, clean: clean.length, fpr: rateAbove(clean, threshold), rows };
}

/** Sorts "2/255" before "16/255". */
function epsOrder(eps: string): string {
  const match = /^(\d+)\/255$/.exec(eps);
  return match ? String(match[1]).padStart(4, '0') : eps;
}

export function formatDetectionTable(report: DetectionReport, title: string): string {
  const lines = [
    `${title} (clean images: ${report.clean}; successful attacks only)`,
    '| attack | eps | format | n | AUROC | TPR@1%FPR | TPR@5%FPR |',
    '|---|---|---|---|---|---|---|',
    ...report.rows.map(
      (r) =>
        `| ${r.attack} | ${r.eps} | ${r.format} | ${r.count} | ${r.auroc.toFixed(3)} | ${(r.tprAt1 * 100).toFixed(0)}% | ${(r.tprAt5 * 100).toFixed(0)}% |`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/** Per JPEG quality, at the shipped threshold: the clean FPR and each attack's AUROC and TPR. */
export function formatReencodedTable(reencoded: Record<number, OperatingPointReport>, title: string): string {
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  return [
    title,
    '| quality | clean FPR | attack | eps | n | AUROC | TPR |',
    '|---|---|---|---|---|---|---|',
    ...Object.entries(reencoded).flatMap(([quality, report]) =>
      report.rows.map(
        (r) =>
          `| ${quality} | ${pct(report.fpr)} (${report.clean}) | ${r.attack} | ${r.eps} | ${r.count} | ${r.auroc.toFixed(3)} | ${pct(r.tpr)} |`,
      ),
    ),
    '',
  ].join('\n');
}
