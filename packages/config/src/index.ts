export type { AdvscreenConfig, DecodeLimitsConfig, FleetConfig, S3Config } from './load-config.ts';
export { ConfigError, loadConfig } from './load-config.ts';
