export type { AdvscreenConfig, DecodeLimitsConfig, FleetConfig, S3Config } from './load-config.ts';
export { CONFIG_VARIABLES, ConfigError, loadConfig } from './load-config.ts';
