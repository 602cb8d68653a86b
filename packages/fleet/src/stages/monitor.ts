import { type AlertJob, objectJobId, type VerdictEvent } from '@advscreen/contracts';
import type { AttackWindows, DailyStats } from '@advscreen/monitoring';

export interface MonitorDependencies {
  windows: AttackWindows;
  daily: DailyStats;
  /** Where alerts are queued (the alerts queue), each under a job id of its event. */
  queues: { alerts: { add(name: 'alert', alert: AlertJob, options: { jobId: string }): Promise<unknown> } };
  /** `maxSourceAlerts`: per-sender alerts, all senders together, in a cooldown period. */
  rule: { threshold: number; windowMs: number; maxSourceAlerts: number };
}

/**
 * Refusals that only a crafted file earns: an image whose picture depends on the page it is
 * drawn on (alpha-channel attacks), an SVG or PDF under an image's name. Others (corrupt, empty,
 * too large, unsupported formats such as phones' HEIC or an SVG named .svg) come from ordinary
 * clients too, and stay out of the attack windows.
 */
const CRAFTED_REFUSALS: ReadonlySet<string> = new Set(['partly_transparent', 'disguised_format']);

/** Whether an event counts as an attack in the windows: an adversarial verdict, or a crafted file refused. */
export function countsAsAttack(event: Pick<VerdictEvent, 'verdict' | 'reason'>): boolean {
  if (event.verdict === 'adversarial') return true;
  return event.verdict === 'rejected' && event.reason !== undefined && CRAFTED_REFUSALS.has(event.reason);
}

/**
 * Counts every verdict per day and in the global and per-source windows; adversarial ones
 * (and crafted files refused, countsAsAttack) there too as attacks. When a window's attacks cross the threshold, beyond what the calibrated
 * false-positive rate explains for what it screened, outside its cooldown, one alert is raised
 * for the event, naming the source's window when it fired (it says who), else the global one.
 * Senders' windows share a budget of `maxSourceAlerts` alerts a cooldown period.
 */
export async function monitorEvent(event: VerdictEvent, deps: MonitorDependencies): Promise<AlertJob | null> {
  const atMs = Date.parse(event.at);
  const eventId = objectJobId('event', event.object);
  const adversarial = countsAsAttack(event);
  // Independent scripts: sent together, one round trip to Redis instead of three.
  const [, ...outcomes] = await Promise.all([
    deps.daily.count({ id: eventId, atMs, source: event.source, verdict: event.verdict }),
    ...['global', `source:${event.source}`].map((scope) =>
      deps.windows.record(scope, { id: eventId, atMs, adversarial }),
    ),
  ]);
  const fired = [];
  for (const outcome of outcomes) {
    if (!outcome.alert) continue;
    // Past the senders' shared budget a sender's window alerts no more this period; the global
    // window, which such a spread of senders fills, still does.
    if (
      outcome.scope !== 'global' &&
      !(await deps.windows.claimGroupAlert('sources', atMs, deps.rule.maxSourceAlerts))
    )
      continue;
    fired.push(outcome);
  }
  const named = fired.at(-1);
  if (!named) return null;
  const alert: AlertJob = {
    v: 1,
    scope: named.scope,
    scopesFired: fired.map((outcome) => outcome.scope),
    count: named.count,
    screened: named.screened,
    expected: named.expected,
    windowMinutes: deps.rule.windowMs / 60_000,
    threshold: deps.rule.threshold,
    firstAt: new Date(named.oldestMs).toISOString(),
    lastAt: event.at,
    sampleKeys: [`s3://${event.object.bucket}/${event.object.key}`],
    ...(event.layer ? { layer: event.layer } : {}),
    ...(event.verdict === 'rejected' && event.reason ? { reason: event.reason } : {}),
  };
  await deps.queues.alerts.add('alert', alert, { jobId: `alert-${eventId}` });
  return alert;
}
