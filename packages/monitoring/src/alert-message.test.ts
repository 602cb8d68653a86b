import { describe, expect, it } from 'vitest';
import { formatAlertText } from './alert-message.ts';

describe('formatAlertText', () => {
  const botAlert = {
    v: 1 as const,
    scope: 'source:bot-7',
    scopesFired: ['global', 'source:bot-7'],
    count: 12,
    windowMinutes: 5,
    threshold: 10,
    firstAt: '2026-11-24T10:00:00.000Z',
    lastAt: '2026-11-24T10:03:00.000Z',
    sampleKeys: ['s3://uploads/x.png'],
  };

  it('names the source, the count, the window and an example', () => {
    const text = formatAlertText(botAlert);
    expect(text).toMatch(/campaign from source bot-7/);
    expect(text).toMatch(/12 images flagged in the last 5 min \(alert threshold 10\)/);
    expect(text).toMatch(/global, source:bot-7/);
    expect(text).toContain('`s3://uploads/x.png`');
  });

  it("keeps an uploader's source name and keys from pinging, linking or closing code in Slack", () => {
    const text = formatAlertText({
      ...botAlert,
      scope: 'source:<!channel> & <https://evil.example|details>',
      scopesFired: ['global', 'source:<!here>'],
      sampleKeys: ['x` <!everyone> `.png'],
    });
    expect(text).not.toMatch(/<!|<https/);
    expect(text).toContain('from source &lt;!channel&gt; &amp; &lt;https://evil.example|details&gt;');
    expect(text).toContain('source:&lt;!here&gt;');
    expect(text).toContain('`xʹ &lt;!everyone&gt; ʹ.png`');
  });

  it('says which check flagged the image that raised it, and what a query-history flag means', () => {
    const alert = {
      v: 1 as const,
      scope: 'source:agent',
      scopesFired: ['source:agent'],
      count: 5,
      windowMinutes: 5,
      threshold: 5,
      firstAt: '2026-11-24T10:00:00.000Z',
      lastAt: '2026-11-24T10:01:00.000Z',
      sampleKeys: [],
    };
    expect(formatAlertText({ ...alert, layer: 'query-history' })).toMatch(
      /repeats its sender's recent uploads \(query history\): the pattern of an automated agent/,
    );
    expect(formatAlertText({ ...alert, layer: 'consistency' })).toMatch(/flagged by the consistency check/);
    expect(formatAlertText(alert)).not.toMatch(/raised it/);
    expect(formatAlertText({ ...alert, reason: 'partly_transparent' })).toMatch(
      /refused as partly transparent: its picture depends on the background/,
    );
    expect(formatAlertText({ ...alert, reason: 'disguised_format' })).toMatch(
      /refused as an SVG or PDF passed off as an image \(by its name or media type\)/,
    );
  });

  it('says how many images the window screened and how many false positives would explain', () => {
    const text = formatAlertText({
      v: 1,
      scope: 'global',
      scopesFired: ['global'],
      count: 480,
      screened: 18_000,
      expected: 360,
      windowMinutes: 5,
      threshold: 5,
      firstAt: '2026-11-24T10:00:00.000Z',
      lastAt: '2026-11-24T10:05:00.000Z',
      sampleKeys: [],
    });
    expect(text).toMatch(
      /18000 images screened in that window: false positives would explain about 360\.0 flagged/,
    );
  });
});
