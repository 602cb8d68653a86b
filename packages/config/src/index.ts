export type { AdvscreenConfig, DecodeLimitsConfig, S3Config } from './load-config.ts';
export { ConfigError, loadConfig } from './load-config.ts';
