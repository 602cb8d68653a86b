import type { AlertJob } from '@advscreen/contracts';

/** The Slack text for an attack alert: what, how much, since when, what to look at. */
export function formatAlertText(alert: AlertJob): string {
  const scope =
    alert.scope === 'global' ? 'across all sources' : `from ${alert.scope.replace(/^source:/, 'source ')}`;
  const lines = [
    `:rotating_light: advscreen: possible adversarial campaign ${scope}`,
    `${alert.count} images flagged in the last ${alert.windowMinutes} min (alert threshold ${alert.threshold}), first at ${alert.firstAt}, latest at ${alert.lastAt}.`,
  ];
  if (alert.scopesFired.length > 1)
    lines.push(`Windows over the threshold: ${alert.scopesFired.join(', ')}.`);
  if (alert.sampleKeys.length > 0)
    lines.push(`Examples: ${alert.sampleKeys.map((k) => `\`${k}\``).join(', ')}`);
  lines.push('Quarantined copies carry score, signals and provenance in their metadata.');
  return lines.join('\n');
}
