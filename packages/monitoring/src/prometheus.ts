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
 * The snapshot in Prometheus' text exposition format (version 0.0.4). Queue depth is what an
 * autoscaler (KEDA, an EC2 scaling policy fed by a scraper) scales the detector and inference
 * roles on; the verdict counters restart at 00:00 UTC, as the daily report's do.
 */
export function formatPrometheusMetrics(snapshot: FleetSnapshot): string {
  const lines = [
    '# HELP advscreen_queue_jobs Jobs in each fleet queue, by state.',
    '# TYPE advscreen_queue_jobs gauge',
  ];
  for (const [queue, counts] of Object.entries(snapshot.queues).sort()) {
    for (const [state, count] of Object.entries(counts).sort()) {
      lines.push(`advscreen_queue_jobs{queue="${label(queue)}",state="${label(state)}"} ${count}`);
    }
  }
  lines.push(
    '# HELP advscreen_verdicts_today Screened objects since 00:00 UTC, by verdict (and source, where known).',
    '# TYPE advscreen_verdicts_today gauge',
  );
  for (const [field, count] of Object.entries(snapshot.counters).sort()) {
    const split = field.lastIndexOf(':');
    const labels =
      split < 0
        ? `verdict="${label(field)}"`
        : `source="${label(field.slice(0, split))}",verdict="${label(field.slice(split + 1))}"`;
    lines.push(`advscreen_verdicts_today{day="${snapshot.day}",${labels}} ${count}`);
  }
  return `${lines.join('\n')}\n`;
}
