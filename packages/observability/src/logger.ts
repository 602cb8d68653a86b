import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger } from 'pino';

/** Paths that may carry credentials; pino replaces their values before a line is written. */
export const REDACTED_PATHS = [
  '*.secretAccessKey',
  '*.accessKeyId',
  '*.sessionToken',
  '*.password',
  '*.authorization',
  '*.Authorization',
  '*.webhookUrl',
  '*.redisUrl',
  'headers.authorization',
  'credentials',
];

export interface LoggerSettings {
  name: string;
  level: LoggerOptions['level'];
  /** Human-readable output; defaults to whether stderr is a terminal. */
  pretty?: boolean;
}

/** JSON lines on stderr (stdout stays free for command output); pretty when a person is watching. */
export function createLogger(settings: LoggerSettings): Logger {
  const pretty = settings.pretty ?? Boolean(process.stderr.isTTY);
  const options: LoggerOptions = {
    name: settings.name,
    level: settings.level ?? 'info',
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
  if (pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { destination: 2, colorize: true } },
    });
  }
  return pino(options, pino.destination(2));
}
