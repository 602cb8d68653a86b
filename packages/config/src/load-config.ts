import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();
const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/**
 * Every environment variable advscreen reads, with its default. Parsed once at start-up so a
 * typo stops the process with one clear message instead of failing on the first image.
 */
const EnvSchema = z.object({
  ADVSCREEN_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ADVSCREEN_MAX_BYTES: positiveInt.default(50 * 1024 * 1024),
  ADVSCREEN_MAX_PIXELS: positiveInt.default(100_000_000),
  ADVSCREEN_DECODE_TIMEOUT_MS: positiveInt.default(10_000),
  ADVSCREEN_ANALYSIS_SIZE: positiveInt.default(224),
  ADVSCREEN_S3_ENDPOINT: z.url().optional(),
  ADVSCREEN_S3_REGION: z.string().min(1).optional(),
  ADVSCREEN_S3_FORCE_PATH_STYLE: booleanFlag.default(false),
  AWS_REGION: z.string().min(1).optional(),
});

export interface DecodeLimitsConfig {
  maxBytes: number;
  maxPixels: number;
  timeoutMs: number;
  analysisSize: number;
}

export interface S3Config {
  /** Custom endpoint (MinIO, other S3-compatible stores); AWS when absent. */
  endpoint: string | undefined;
  region: string;
  forcePathStyle: boolean;
}

export interface AdvscreenConfig {
  logLevel: z.infer<typeof EnvSchema>['ADVSCREEN_LOG_LEVEL'];
  decode: DecodeLimitsConfig;
  s3: S3Config;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: Record<string, string | undefined> = process.env): AdvscreenConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) =>
        `  ${issue.path.join('.')}: ${issue.message} (got ${JSON.stringify(env[String(issue.path[0])])})`,
    );
    throw new ConfigError(`Invalid configuration:\n${problems.join('\n')}`);
  }
  const e = parsed.data;
  return {
    logLevel: e.ADVSCREEN_LOG_LEVEL,
    decode: {
      maxBytes: e.ADVSCREEN_MAX_BYTES,
      maxPixels: e.ADVSCREEN_MAX_PIXELS,
      timeoutMs: e.ADVSCREEN_DECODE_TIMEOUT_MS,
      analysisSize: e.ADVSCREEN_ANALYSIS_SIZE,
    },
    s3: {
      endpoint: e.ADVSCREEN_S3_ENDPOINT,
      region: e.ADVSCREEN_S3_REGION ?? e.AWS_REGION ?? 'us-east-1',
      forcePathStyle: e.ADVSCREEN_S3_FORCE_PATH_STYLE,
    },
  };
}
