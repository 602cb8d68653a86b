import {
  EXECUTION_PROVIDERS,
  type ExecutionProvider,
  readS3Location,
  type S3Location,
  SCREENED_FORMATS,
  type ScreenedFormat,
} from '@advscreen/contracts';
import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();
const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');
const formatList = z
  .string()
  .transform((value) => [
    ...new Set(
      value
        .split(',')
        .map((name) => name.trim().toLowerCase())
        .filter((name) => name !== ''),
    ),
  ])
  .pipe(z.array(z.enum(SCREENED_FORMATS)).min(1, 'name at least one format'));

/** An S3 location, `s3://bucket` or `s3://bucket/prefix`, parsed into its bucket and prefix. */
const s3Location = z.string().transform((uri, context): S3Location => {
  const location = readS3Location(uri);
  if (location) return location;
  context.addIssue({
    code: 'custom',
    message: 'must be s3://bucket/prefix (a bucket name of 3+ characters)',
  });
  return z.NEVER;
});

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
  ADVSCREEN_ACCEPTED_FORMATS: formatList.optional(),
  ADVSCREEN_S3_ENDPOINT: z.url().optional(),
  ADVSCREEN_S3_REGION: z.string().min(1).optional(),
  ADVSCREEN_S3_FORCE_PATH_STYLE: booleanFlag.default(false),
  ADVSCREEN_S3_TIMEOUT_S: positiveInt.max(3600).default(60),
  AWS_REGION: z.string().min(1).optional(),
  // Fleet roles
  ADVSCREEN_REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  ADVSCREEN_RESULTS: s3Location.optional(),
  ADVSCREEN_QUARANTINE: s3Location.optional(),
  ADVSCREEN_INGEST_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  ADVSCREEN_INGEST_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  ADVSCREEN_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  ADVSCREEN_METRICS_SOURCES: z.coerce.number().int().min(0).max(1000).default(20),
  ADVSCREEN_INFERENCE_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  ADVSCREEN_DETECTOR_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  ADVSCREEN_CLOUDWATCH_METRICS_S: z.coerce.number().int().min(1).max(3600).optional(),
  ADVSCREEN_POLL: z
    .string()
    .transform((list) =>
      list
        .split(',')
        .map((uri) => uri.trim())
        .filter((uri) => uri !== ''),
    )
    .pipe(z.array(s3Location))
    .default([]),
  ADVSCREEN_POLL_INTERVAL_S: positiveInt.default(60),
  ADVSCREEN_SOURCE_METADATA_KEY: z.string().min(1).default('source'),
  ADVSCREEN_SOURCE_KEY_PATTERN: z.string().optional(),
  ADVSCREEN_DETECTOR_MODEL: z.string().optional(),
  ADVSCREEN_CALIBRATION: z.string().optional(),
  ADVSCREEN_DETECTOR_CONCURRENCY: positiveInt.max(256).default(2),
  ADVSCREEN_MODEL_SPEC: z.string().optional(),
  ADVSCREEN_EXECUTION_PROVIDER: z.enum(EXECUTION_PROVIDERS).default('cpu'),
  ADVSCREEN_INFERENCE_CONCURRENCY: positiveInt.max(4096).default(16),
  ADVSCREEN_BATCH_MAX: positiveInt.max(256).default(8),
  ADVSCREEN_BATCH_WAIT_MS: z.coerce.number().int().nonnegative().default(5),
  ADVSCREEN_CONSISTENCY: booleanFlag.default(true),
  ADVSCREEN_MODEL_CHECKS: z.string().optional(),
  ADVSCREEN_SLACK_WEBHOOK_URL: z.url().optional(),
  ADVSCREEN_ALERT_THRESHOLD: positiveInt.default(5),
  ADVSCREEN_ALERT_WINDOW_MINUTES: z.coerce.number().positive().default(5),
  ADVSCREEN_ALERT_COOLDOWN_MINUTES: z.coerce.number().nonnegative().default(30),
  ADVSCREEN_ALERT_EXPECTED_FPR: z.coerce.number().min(0).lt(1).default(0.02),
  ADVSCREEN_ALERT_MAX_SOURCES: positiveInt.default(10),
  ADVSCREEN_QUERY_HISTORY: booleanFlag.default(true),
  ADVSCREEN_DETECTION_CACHE_DAYS: z.coerce.number().min(0).max(365).default(7),
  ADVSCREEN_QUERY_RADIUS: z.coerce.number().positive().max(255).default(3),
  ADVSCREEN_QUERY_NEIGHBOURS: positiveInt.default(5),
  ADVSCREEN_QUERY_HISTORY_SIZE: positiveInt.max(10_000).default(256),
  ADVSCREEN_QUERY_HISTORY_MINUTES: z.coerce.number().positive().default(60),
  ADVSCREEN_SHUTDOWN_GRACE_S: positiveInt.default(30),
  ADVSCREEN_JOB_LOCK_MS: positiveInt.default(30_000),
});

/** The names of every environment variable the configuration reads. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(EnvSchema.shape);

export interface DecodeLimitsConfig {
  maxBytes: number;
  maxPixels: number;
  timeoutMs: number;
  analysisSize: number;
  /** The screened formats this deployment takes; the others are rejected as `format_not_accepted`. */
  acceptedFormats: readonly ScreenedFormat[];
}

export interface S3Config {
  /** Custom endpoint (MinIO, other S3-compatible stores); AWS when absent. */
  endpoint: string | undefined;
  region: string;
  forcePathStyle: boolean;
  /** How long a request may wait to connect, or for the server's next bytes, before it fails. */
  timeoutMs: number;
}

export interface FleetConfig {
  redisUrl: string;
  /** Where result and rejection records go. */
  results: S3Location | undefined;
  /** Where quarantine copies go. */
  quarantine: S3Location | undefined;
  ingestPort: number;
  /** The monitor role's Prometheus endpoint (GET /metrics); off when unset. */
  metricsPort: number | undefined;
  /** How many sources (most adversarial verdicts, then rejections) get per-source series on the metrics endpoint. */
  metricsSources: number;
  /** Each inference process's own Prometheus endpoint (batch sizes and times, process metrics); off when unset. */
  inferenceMetricsPort: number | undefined;
  /** Each detector process's own Prometheus endpoint (verdicts, per-step times, process metrics); off when unset. */
  detectorMetricsPort: number | undefined;
  /** Seconds between the monitor's queue-depth log lines in CloudWatch's embedded metric format; off when unset. */
  cloudwatchMetricsSeconds: number | undefined;
  ingestToken: string | undefined;
  /** Locations to poll, comma-separated s3://bucket/prefix in the environment. */
  poll: S3Location[];
  pollIntervalMs: number;
  sourceMetadataKey: string;
  sourceKeyPattern: RegExp | undefined;
  detectorModel: string | undefined;
  calibration: string | undefined;
  detectorConcurrency: number;
  /** How long a detector verdict is reused for identical bytes; 0: not at all. */
  detectionCacheDays: number;
  modelSpec: string | undefined;
  executionProvider: ExecutionProvider;
  inferenceConcurrency: number;
  /** Micro-batching of model runs: at most `maxBatch` images, waiting at most `maxWaitMs`. */
  batch: { maxBatch: number; maxWaitMs: number };
  consistencyCheck: boolean;
  modelChecks: string | undefined;
  slackWebhookUrl: string | undefined;
  alert: {
    threshold: number;
    windowMs: number;
    cooldownMs: number;
    expectedFpr: number;
    maxSourceAlerts: number;
  };
  /**
   * Per-source near-duplicate detection of query attacks (detector role): an upload with at
   * least `neighbours` earlier uploads from its source within `radius` is quarantined. Off: null.
   */
  queryHistory: { radius: number; neighbours: number; size: number; windowMs: number } | null;
  shutdownGraceMs: number;
  /** How long a worker's claim on a job lasts without renewal; a dead worker's jobs return after it. */
  jobLockMs: number;
}

export interface AdvscreenConfig {
  logLevel: z.infer<typeof EnvSchema>['ADVSCREEN_LOG_LEVEL'];
  decode: DecodeLimitsConfig;
  s3: S3Config;
  fleet: FleetConfig;
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
  let sourceKeyPattern: RegExp | undefined;
  if (e.ADVSCREEN_SOURCE_KEY_PATTERN) {
    try {
      sourceKeyPattern = new RegExp(e.ADVSCREEN_SOURCE_KEY_PATTERN);
    } catch (error) {
      throw new ConfigError(
        `Invalid configuration:\n  ADVSCREEN_SOURCE_KEY_PATTERN: ${(error as Error).message}`,
      );
    }
    if (!/\(\?<source>/.test(e.ADVSCREEN_SOURCE_KEY_PATTERN)) {
      throw new ConfigError(
        'Invalid configuration:\n  ADVSCREEN_SOURCE_KEY_PATTERN: needs a named group (?<source>...)',
      );
    }
  }
  const [results, quarantine] = [e.ADVSCREEN_RESULTS, e.ADVSCREEN_QUARANTINE];
  // A quarantine copy of an upload named `a.png.json` would land on the outcome record of `a.png`.
  const writtenUnder = ({ bucket, prefix }: S3Location) => `${bucket}/${prefix.replace(/\/+$/, '')}`;
  if (results && quarantine && writtenUnder(results) === writtenUnder(quarantine))
    throw new ConfigError(
      "Invalid configuration:\n  ADVSCREEN_QUARANTINE: must differ from ADVSCREEN_RESULTS (an upload could overwrite another's record)",
    );
  return {
    logLevel: e.ADVSCREEN_LOG_LEVEL,
    decode: {
      maxBytes: e.ADVSCREEN_MAX_BYTES,
      maxPixels: e.ADVSCREEN_MAX_PIXELS,
      timeoutMs: e.ADVSCREEN_DECODE_TIMEOUT_MS,
      analysisSize: e.ADVSCREEN_ANALYSIS_SIZE,
      acceptedFormats: e.ADVSCREEN_ACCEPTED_FORMATS ?? SCREENED_FORMATS,
    },
    s3: {
      endpoint: e.ADVSCREEN_S3_ENDPOINT,
      region: e.ADVSCREEN_S3_REGION ?? e.AWS_REGION ?? 'us-east-1',
      forcePathStyle: e.ADVSCREEN_S3_FORCE_PATH_STYLE,
      timeoutMs: e.ADVSCREEN_S3_TIMEOUT_S * 1000,
    },
    fleet: {
      redisUrl: e.ADVSCREEN_REDIS_URL,
      results,
      quarantine,
      ingestPort: e.ADVSCREEN_INGEST_PORT,
      metricsPort: e.ADVSCREEN_METRICS_PORT,
      metricsSources: e.ADVSCREEN_METRICS_SOURCES,
      inferenceMetricsPort: e.ADVSCREEN_INFERENCE_METRICS_PORT,
      detectorMetricsPort: e.ADVSCREEN_DETECTOR_METRICS_PORT,
      cloudwatchMetricsSeconds: e.ADVSCREEN_CLOUDWATCH_METRICS_S,
      ingestToken: e.ADVSCREEN_INGEST_TOKEN,
      poll: e.ADVSCREEN_POLL,
      pollIntervalMs: e.ADVSCREEN_POLL_INTERVAL_S * 1000,
      sourceMetadataKey: e.ADVSCREEN_SOURCE_METADATA_KEY.toLowerCase(),
      sourceKeyPattern,
      detectorModel: e.ADVSCREEN_DETECTOR_MODEL,
      calibration: e.ADVSCREEN_CALIBRATION,
      detectorConcurrency: e.ADVSCREEN_DETECTOR_CONCURRENCY,
      detectionCacheDays: e.ADVSCREEN_DETECTION_CACHE_DAYS,
      modelSpec: e.ADVSCREEN_MODEL_SPEC,
      executionProvider: e.ADVSCREEN_EXECUTION_PROVIDER,
      inferenceConcurrency: e.ADVSCREEN_INFERENCE_CONCURRENCY,
      batch: { maxBatch: e.ADVSCREEN_BATCH_MAX, maxWaitMs: e.ADVSCREEN_BATCH_WAIT_MS },
      consistencyCheck: e.ADVSCREEN_CONSISTENCY,
      modelChecks: e.ADVSCREEN_MODEL_CHECKS,
      slackWebhookUrl: e.ADVSCREEN_SLACK_WEBHOOK_URL,
      alert: {
        threshold: e.ADVSCREEN_ALERT_THRESHOLD,
        windowMs: e.ADVSCREEN_ALERT_WINDOW_MINUTES * 60_000,
        cooldownMs: e.ADVSCREEN_ALERT_COOLDOWN_MINUTES * 60_000,
        expectedFpr: e.ADVSCREEN_ALERT_EXPECTED_FPR,
        maxSourceAlerts: e.ADVSCREEN_ALERT_MAX_SOURCES,
      },
      queryHistory: e.ADVSCREEN_QUERY_HISTORY
        ? {
            radius: e.ADVSCREEN_QUERY_RADIUS,
            neighbours: e.ADVSCREEN_QUERY_NEIGHBOURS,
            size: e.ADVSCREEN_QUERY_HISTORY_SIZE,
            windowMs: e.ADVSCREEN_QUERY_HISTORY_MINUTES * 60_000,
          }
        : null,
      shutdownGraceMs: e.ADVSCREEN_SHUTDOWN_GRACE_S * 1000,
      jobLockMs: e.ADVSCREEN_JOB_LOCK_MS,
    },
  };
}
