import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { REDACTED_PATHS } from './logger.ts';

describe('logger redaction', () => {
  it('replaces credentials nested one level down', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    logger.info(
      {
        s3: { secretAccessKey: 'AKIA-SECRET', region: 'eu-west-1' },
        slack: { webhookUrl: 'https://hooks/x' },
      },
      'hi',
    );
    const line = JSON.parse(lines[0] as string);
    expect(line.s3).toEqual({ secretAccessKey: '[redacted]', region: 'eu-west-1' });
    expect(line.slack.webhookUrl).toBe('[redacted]');
    expect(lines[0]).not.toContain('AKIA-SECRET');
  });
});
