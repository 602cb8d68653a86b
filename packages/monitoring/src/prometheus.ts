import { splitDayCounters } from './daily-stats.ts';

/** What the fleet's metrics endpoint reports: queue depths now and today's verdict counters. */
export interface FleetSnapshot {
  /** Per queue, jobs per state (BullMQ's counts: waiting, active, delayed, failed). */
  queues: Record<string, Record<string, number>>;
  /** The UTC day of `counters`. */
  day: string;
  /** DailyStats fields: `<verdict>` and `<source>:<verdict>`. */
  counters: Record<string, number>;
}

/** Prometheus label values escape backslash, double quote and newline. */
const label = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/**
 * The sources to report, at most `limit`: most adversarial verdicts first (as the daily report
 * ranks its top sources), then most rejections (a sender of hostile or broken files), then most
 * objects, then by name, so the choice is stable between scrapes.
 */
function sourcesToReport(perSource: Map<string, Map<string, number>>, limit: number): string[] {
  const ranked = [...perSource].map(([source, counts]) => ({
    source,
    adversarial: counts.get('adversarial') ?? 0,
    rejected: counts.get('rejected') ?? 0,
    total: [...counts.values()].reduce((sum, n) => sum + n, 0),
  }));
  return ranked
    .sort(
      (a, b) =>
        b.adversarial - a.adversarial ||
        b.rejected - a.rejected ||
        b.total - a.total ||
        (a.source < b.source ? -1 : 1),
    )
    .slice(0, limit)
    .map(({ source }) => source);
}

/**
 * The snapshot in Prometheus' text exposition format (version 0.0.4). Queue depth is what an
 * autoscaler (KEDA, an EC2 scaling policy fed by a scraper) scales the detector and inference
 * roles on; the verdict counters restart at 00:00 UTC, as the daily report's do.
 *
 * Totals and per-source counts are separate metrics, so that summing either over its labels
 * counts each object once. Per source only `maxSources` sources are reported (`sourcesToReport`):
 * an agent spreading its uploads over many sender names would otherwise add series without bound
 * to every scrape. How many sources sent today is a metric of its own, for that very pattern.
 */
export function formatPrometheusMetrics(snapshot: FleetSnapshot, maxSources: number): string {
  const lines = [
    '# HELP advscreen_queue_jobs Jobs in each fleet queue, by state.',
    '# TYPE advscreen_queue_jobs gauge',
  ];
  for (const [queue, counts] of Object.entries(snapshot.queues).sort()) {
    for (const [state, count] of Object.entries(counts).sort()) {
      lines.push(`advscreen_queue_jobs{queue="${label(queue)}",state="${label(state)}"} ${count}`);
    }
  }
  const day = `day="${label(snapshot.day)}"`;
  const { totals, bySource: perSource } = splitDayCounters(snapshot.counters);
  lines.push(
    '# HELP advscreen_verdicts_today Screened objects since 00:00 UTC, by verdict.',
    '# TYPE advscreen_verdicts_today gauge',
  );
  for (const [verdict, count] of [...totals].sort()) {
    lines.push(`advscreen_verdicts_today{${day},verdict="${label(verdict)}"} ${count}`);
  }
  lines.push(
    `# HELP advscreen_source_verdicts_today Screened objects since 00:00 UTC, by source and verdict, for the ${maxSources} sources with the most adversarial verdicts, then rejections.`,
    '# TYPE advscreen_source_verdicts_today gauge',
  );
  for (const source of sourcesToReport(perSource, maxSources).sort()) {
    for (const [verdict, count] of [...(perSource.get(source) ?? [])].sort()) {
      lines.push(
        `advscreen_source_verdicts_today{${day},source="${label(source)}",verdict="${label(verdict)}"} ${count}`,
      );
    }
  }
  lines.push(
    '# HELP advscreen_sources_today Distinct sources that sent objects since 00:00 UTC.',
    '# TYPE advscreen_sources_today gauge',
    `advscreen_sources_today{${day}} ${perSource.size}`,
  );
  return `${lines.join('\n')}\n`;
}
