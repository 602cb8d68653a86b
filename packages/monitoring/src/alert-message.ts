import type { AlertJob } from '@advscreen/contracts';

/**
 * Text an uploader chose (a source name from object metadata or the key, an object key), made
 * inert in Slack's mrkdwn: `&`, `<` and `>` as the entities Slack asks for, so a source named
 * `<!channel>` or `<https://evil|details>` pings no one and links nowhere; backticks as primes,
 * so a key cannot close its code span.
 */
function inert(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/`/g, 'ʹ');
}

/** The Slack text for an attack alert: what, how much, since when, what to look at. */
export function formatAlertText(alert: AlertJob): string {
  const scope =
    alert.scope === 'global'
      ? 'across all sources'
      : `from ${inert(alert.scope.replace(/^source:/, 'source '))}`;
  const lines = [
    `:rotating_light: advscreen: possible adversarial campaign ${scope}`,
    `${alert.count} images flagged in the last ${alert.windowMinutes} min (alert threshold ${alert.threshold}), first at ${alert.firstAt}, latest at ${alert.lastAt}.`,
  ];
  if (alert.screened !== undefined && alert.expected !== undefined)
    lines.push(
      `${alert.screened} images screened in that window: false positives would explain about ${alert.expected.toFixed(1)} flagged (a steady excess on ordinary traffic means the calibration is off for it, not a campaign).`,
    );
  if (alert.layer === 'query-history')
    lines.push(
      "The image that raised it repeats its sender's recent uploads (query history): the pattern of an automated agent querying the model around one image.",
    );
  else if (alert.layer) lines.push(`The image that raised it was flagged by the ${alert.layer} check.`);
  else if (alert.reason === 'partly_transparent')
    lines.push(
      'The image that raised it was refused as partly transparent: its picture depends on the background it is drawn on (an alpha-channel attack).',
    );
  else if (alert.reason === 'disguised_format')
    lines.push(
      'The file that raised it was refused as an SVG or PDF passed off as an image (by its name or media type): active content disguised as a picture.',
    );
  if (alert.scopesFired.length > 1)
    lines.push(`Windows over the threshold: ${alert.scopesFired.map(inert).join(', ')}.`);
  if (alert.sampleKeys.length > 0)
    lines.push(`Examples: ${alert.sampleKeys.map((k) => `\`${inert(k)}\``).join(', ')}`);
  lines.push('Quarantined copies carry score, signals and provenance in their metadata.');
  return lines.join('\n');
}
