import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import { openCommandConnection } from '@advscreen/fleet';
import { buildDayReport, DailyStats, formatDailyReport, lastDays } from '@advscreen/monitoring';
import { UsageError } from '../usage-error.ts';

/**
 * `advscreen report [--days 7] [--json]`: the fleet's daily counters from Redis, per day and source,
 * each day against the false-positive budget the alerts use (ADVSCREEN_ALERT_EXPECTED_FPR).
 */
export async function runReportCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { days: { type: 'string', default: '7' }, json: { type: 'boolean', default: false } },
  });
  const days = Number(values.days);
  if (positionals.length > 0 || !Number.isInteger(days) || days < 1 || days > 40)
    throw new UsageError('report takes --days N (1 to 40, the counters are kept 40 days) and --json');
  const config = loadConfig();
  const redis = await openCommandConnection(config.fleet.redisUrl);
  try {
    const stats = new DailyStats(redis);
    const reports = [];
    const { expectedFpr } = config.fleet.alert;
    for (const day of lastDays(Date.now(), days))
      reports.push(buildDayReport(day, await stats.read(day), { expectedFpr }));
    process.stdout.write(
      `${values.json ? JSON.stringify(reports) : formatDailyReport(reports, expectedFpr)}\n`,
    );
    return 0;
  } finally {
    redis.disconnect();
  }
}
