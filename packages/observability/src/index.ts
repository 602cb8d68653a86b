export { createLogger, type Logger, type LoggerSettings, REDACTED_PATHS } from './logger.ts';
