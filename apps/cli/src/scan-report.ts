import { Layer, printable } from '@advscreen/contracts';
import type { ScanSummary } from '@advscreen/pipeline';

export interface ScanReport {
  source: string;
  detector: string;
  threshold: number;
  thresholdSource: string;
  /** The main model behind the detector (`--model`), and where its checks' operating points come from. */
  model: { name: string; checksSource: string } | null;
  /** Senders were named by ADVSCREEN_SOURCE_KEY_PATTERN and their query histories kept. */
  queryHistory: boolean;
  total: number;
  counts: ScanSummary['counts'];
  adversarialByLayer: ScanSummary['adversarialByLayer'];
  rejectedReasons: Record<string, number>;
  quarantined: number;
  quarantineFailures: number;
  quarantine: string | null;
  out: string | null;
  elapsedMs: number;
  imagesPerSecond: number;
  slowest: ScanSummary['slowest'];
  aborted: boolean;
}

export function toScanReport(
  summary: ScanSummary,
  context: {
    source: string;
    out: string | null;
    detector: string;
    threshold: number;
    thresholdSource: string;
    model: ScanReport['model'];
    quarantine: string | null;
    queryHistory: boolean;
  },
): ScanReport {
  const screened = summary.counts.clean + summary.counts.adversarial + summary.counts.rejected;
  return {
    source: context.source,
    detector: context.detector,
    threshold: context.threshold,
    thresholdSource: context.thresholdSource,
    model: context.model,
    queryHistory: context.queryHistory,
    total: summary.total,
    counts: summary.counts,
    adversarialByLayer: summary.adversarialByLayer,
    rejectedReasons: summary.rejectedReasons,
    quarantined: summary.quarantined,
    quarantineFailures: summary.quarantineFailures,
    quarantine: context.quarantine,
    out: context.out,
    elapsedMs: Math.round(summary.elapsedMs),
    imagesPerSecond: summary.elapsedMs > 0 ? Number(((screened * 1000) / summary.elapsedMs).toFixed(1)) : 0,
    slowest: summary.slowest.map(({ key, ms }) => ({ key, ms: Math.round(ms) })),
    aborted: summary.aborted,
  };
}

/** The summary a person reads at the end of a scan on a terminal. */
export function formatScanSummaryText(report: ScanReport): string {
  const reasons = Object.entries(report.rejectedReasons)
    .sort((a, b) => b[1] - a[1])
    .map(([reason, count]) => `${reason} ${count}`)
    .join(', ');
  const byLayer = Layer.options
    .filter((layer) => report.adversarialByLayer[layer])
    .map((layer) => `${layer} ${report.adversarialByLayer[layer]}`)
    .join(', ');
  const lines = [
    `${report.aborted ? 'Interrupted after' : 'Screened'} ${report.total} files from ${report.source} in ${(report.elapsedMs / 1000).toFixed(1)} s (${report.imagesPerSecond} images/s)`,
    `  clean        ${report.counts.clean}`,
    `  adversarial  ${report.counts.adversarial}   (detector ${report.detector}, threshold ${Number(report.threshold.toFixed(4))} from ${report.thresholdSource})`,
    // Only worth a line when a check other than the detector decided some.
    ...(Object.keys(report.adversarialByLayer).some((layer) => layer !== 'detector')
      ? [`               by ${byLayer}`]
      : []),
    `  rejected     ${report.counts.rejected}${reasons ? `   (${reasons})` : ''}`,
  ];
  if (report.model) lines.push(`Model stage: ${report.model.name}, checks from ${report.model.checksSource}`);
  if (report.queryHistory)
    lines.push('Query history: senders named by ADVSCREEN_SOURCE_KEY_PATTERN (docs/query-history.md)');
  if (report.quarantine) {
    lines.push(
      `  quarantined  ${report.quarantined} -> ${report.quarantine}${report.quarantineFailures ? `   (${report.quarantineFailures} copies failed)` : ''}`,
    );
  }
  if (report.slowest.length > 0) {
    lines.push(`Slowest: ${report.slowest.map(({ key, ms }) => `${printable(key)} (${ms} ms)`).join(', ')}`);
  }
  lines.push(report.out ? `Verdicts: ${report.out}` : 'Verdicts: not written (use --out FILE)');
  return `${lines.join('\n')}\n`;
}
