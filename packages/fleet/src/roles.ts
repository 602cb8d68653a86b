import { fileURLToPath } from 'node:url';
import type { AdvscreenConfig } from '@advscreen/config';
import {
  AlertJob,
  DetectJob,
  formatS3Location,
  InferJob,
  IngestJob,
  type ObjectRef,
  objectJobId,
  QueueName,
  type S3Location,
  VerdictEvent,
} from '@advscreen/contracts';
import { BUNDLED_DETECTOR_PATH, detectorName, loadDetectorModel } from '@advscreen/detection';
import { BUNDLED_MODEL_SPEC, loadModelSpec, openModelStage } from '@advscreen/inference';
import {
  type AlertSender,
  AttackWindows,
  createSlackSender,
  DailyStats,
  formatAlertText,
  formatPrometheusMetrics,
  queueDepthEmf,
  utcDay,
} from '@advscreen/monitoring';
import type { Logger } from '@advscreen/observability';
import { enqueuePrefix } from './enqueue.ts';
import type { Listening } from './http-listener.ts';
import { startMetricsServer } from './metrics-server.ts';
import { startNotificationServer } from './notifications.ts';
import { createRedisPolledVersions } from './polled-versions.ts';
import { createDetectorMetrics, createInferenceMetrics } from './process-metrics.ts';
import { repeatUntilStopped } from './repeat.ts';
import { checkBuckets, openRoleContext, type RoleContext, requireSetting } from './role-context.ts';
import type { DetectSummary } from './stages/detect.ts';
import { inferObject } from './stages/infer.ts';
import { fleetOutputs, ingestObject, UNATTRIBUTED } from './stages/ingest.ts';
import { monitorEvent } from './stages/monitor.ts';
import { recordRejection } from './stages/outcome-records.ts';
import { startValidatedWorker } from './validated-worker.ts';

export const ROLES = ['ingest', 'detector', 'inference', 'monitor'] as const;
export type Role = (typeof ROLES)[number];

export interface RunningRole {
  role: Role;
  /** Port of the notification endpoint (ingest), or of the metrics endpoint (the other roles; when on). */
  port?: number;
  close(): Promise<void>;
}

/**
 * A role's GET /metrics when its port is set. Started before the role's workers, so that a port
 * that cannot be had stops the role with nothing in flight.
 */
function serveMetrics(
  endpoint: { port: number; render: () => Promise<string> } | undefined,
  logger: Logger,
  failure: string,
): Promise<Listening | undefined> {
  if (!endpoint) return Promise.resolve(undefined);
  return startMetricsServer({
    port: endpoint.port,
    render: endpoint.render,
    onError: (error) => logger.error({ err: error }, failure),
  });
}

/** An object whose job failed for good still gets a `rejected` outcome and event. */
function recordProcessingFailure(context: RoleContext, stage: 'ingest' | 'detector' | 'inference') {
  return async (
    data: { object: { bucket: string; key: string; etag: string | null }; source?: string },
    error: Error,
  ) => {
    await recordRejection(context, data.object, data.source ?? UNATTRIBUTED, stage, {
      reason: 'processing_failed',
      detail: error.message,
    });
  };
}

async function startIngest(context: RoleContext): Promise<RunningRole> {
  const { config, logger, queues } = context;
  const attribution = {
    metadataKey: config.fleet.sourceMetadataKey,
    keyPattern: config.fleet.sourceKeyPattern,
  };
  const deps = {
    storeFor: context.storeFor,
    isFleetOutput: fleetOutputs(
      [config.fleet.results, config.fleet.quarantine].filter((location) => location !== undefined),
    ),
    queues,
    outcomes: context.outcomes,
    maxBytes: config.decode.maxBytes,
    attribution,
  };
  // The endpoint first: a port that cannot be had stops the role before any worker runs.
  const server = await startNotificationServer({
    port: config.fleet.ingestPort,
    token: config.fleet.ingestToken,
    enqueue: async (jobs) => {
      await queues.ingest.addBulk(
        jobs.map((data) => ({ name: 'ingest', data, opts: { jobId: objectJobId('ingest', data.object) } })),
      );
    },
    onError: (error) => logger.error({ err: error }, 'notification could not be queued'),
  });
  const worker = startValidatedWorker(
    {
      queue: QueueName.ingest,
      schema: IngestJob,
      connection: context.redis,
      lockMs: context.config.fleet.jobLockMs,
      concurrency: 16,
      logger,
      onFinalFailure: recordProcessingFailure(context, 'ingest'),
    },
    async (job) => {
      await ingestObject(job, deps);
    },
  );
  const polledVersions = createRedisPolledVersions(context.redis);
  const poller =
    config.fleet.poll.length > 0
      ? repeatUntilStopped(
          async () => {
            for (const location of config.fleet.poll) {
              const { bucket, prefix } = location;
              const count = await enqueuePrefix({
                store: context.storeFor(bucket),
                bucket,
                prefix,
                queues,
                via: 'poller',
                polled: polledVersions,
              });
              logger.debug({ uri: formatS3Location(location), ...count }, 'poll listed');
            }
          },
          config.fleet.pollIntervalMs,
          (error) => logger.error({ err: error }, 'poll failed'),
        )
      : undefined;
  logger.info({ port: server.port, poll: config.fleet.poll.map(formatS3Location) }, 'ingest role started');
  return {
    role: 'ingest',
    port: server.port,
    async close() {
      poller?.stop();
      await server.close();
      await worker.close();
    },
  };
}

async function startDetector(context: RoleContext): Promise<RunningRole> {
  const { config, logger } = context;
  const processor = fileURLToPath(new URL('./detector-processor.ts', import.meta.url));
  const metricsPort = config.fleet.detectorMetricsPort;
  const metrics = metricsPort === undefined ? undefined : { port: metricsPort, ...createDetectorMetrics() };
  const metricsServer = await serveMetrics(metrics, logger, 'detector metrics failed');
  // BullMQ pipes every worker thread's stdout and stderr into this process's own, a set of
  // listeners per thread, which Node reports as a leak past ten (a 16-core host runs 14 threads).
  for (const stream of [process.stdout, process.stderr])
    stream.setMaxListeners(stream.getMaxListeners() + config.fleet.detectorConcurrency);
  const worker = startValidatedWorker(
    {
      queue: QueueName.detect,
      schema: DetectJob,
      connection: context.redis,
      lockMs: config.fleet.jobLockMs,
      concurrency: config.fleet.detectorConcurrency,
      logger,
      onFinalFailure: recordProcessingFailure(context, 'detector'),
      extra: { useWorkerThreads: true },
    },
    processor,
  );
  // The thread's summary of each job (detector-processor.ts) arrives as its return value.
  if (metrics) worker.on('completed', (_job, summary: DetectSummary) => metrics.observe(summary));
  logger.info(
    { concurrency: config.fleet.detectorConcurrency, metricsPort: metricsServer?.port },
    'detector role started',
  );
  return {
    role: 'detector',
    ...(metricsServer ? { port: metricsServer.port } : {}),
    async close() {
      await metricsServer?.close();
      await worker.close();
    },
  };
}

/** `warn`, called at most once for each distinct value. */
function warnOncePer(warn: (value: string) => void): (value: string) => void {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return;
    seen.add(value);
    warn(value);
  };
}

async function startInference(context: RoleContext): Promise<RunningRole> {
  const { config, logger } = context;
  const spec = loadModelSpec(config.fleet.modelSpec ?? BUNDLED_MODEL_SPEC);
  // The detector role's model, as the shared configuration names it: its scores feed the joint rule.
  const detector = detectorName(loadDetectorModel(config.fleet.detectorModel ?? BUNDLED_DETECTOR_PATH));
  const quarantine = requireSetting(config.fleet.quarantine, 'ADVSCREEN_QUARANTINE', 'inference');
  const metricsPort = config.fleet.inferenceMetricsPort;
  const metrics =
    metricsPort === undefined
      ? undefined
      : { port: metricsPort, ...createInferenceMetrics(config.fleet.batch.maxBatch) };
  const opened = await openModelStage({
    spec,
    checksPath: config.fleet.modelChecks,
    detector,
    provider: config.fleet.executionProvider,
    consistency: config.fleet.consistencyCheck,
    batching: config.fleet.batch,
    observers: {
      onOtherDetector: warnOncePer((other) =>
        logger.warn(
          { detector: other, jointRuleDetector: detector },
          "images scored by another detector than the joint rule's: their consistency check uses its own threshold (deploy the detector and its model checks together)",
        ),
      ),
      onBatch: (batch) => metrics?.observeBatch(batch),
    },
  });
  if (!opened.checks) logger.warn(`model checks: ${opened.checksSource}`);
  const metricsServer = await serveMetrics(metrics, logger, 'inference metrics failed').catch(
    async (error: unknown) => {
      await opened.close();
      throw error;
    },
  );
  const model = opened.stage;
  const deps = {
    storeFor: context.storeFor,
    model,
    limits: config.decode,
    quarantine: { store: context.storeFor(quarantine.bucket), prefix: quarantine.prefix },
    outcomes: context.outcomes,
    queues: context.queues,
    onReread: (object: ObjectRef, why: string) => logger.warn({ object }, why),
  };
  const worker = startValidatedWorker(
    {
      queue: QueueName.infer,
      schema: InferJob,
      connection: context.redis,
      lockMs: config.fleet.jobLockMs,
      // Enough jobs in flight to fill a batch.
      concurrency: Math.max(config.fleet.inferenceConcurrency, config.fleet.batch.maxBatch),
      logger,
      onFinalFailure: recordProcessingFailure(context, 'inference'),
    },
    (job) => inferObject(job, deps),
  );
  logger.info(
    {
      metricsPort: metricsServer?.port,
      model: model.modelName,
      provider: config.fleet.executionProvider,
      batch: config.fleet.batch,
      consistency: config.fleet.consistencyCheck,
      checks: opened.checksSource,
    },
    'inference role started',
  );
  return {
    role: 'inference',
    ...(metricsServer ? { port: metricsServer.port } : {}),
    async close() {
      await metricsServer?.close();
      await worker.close();
      await opened.close();
    },
  };
}

async function startMonitor(context: RoleContext, sender?: AlertSender): Promise<RunningRole> {
  const { config, logger, redis, queues } = context;
  const rule = config.fleet.alert;
  const deps = { windows: new AttackWindows(redis, rule), daily: new DailyStats(redis), queues, rule };
  const queueCounts = async () =>
    Object.fromEntries(
      await Promise.all(
        (Object.keys(QueueName) as (keyof typeof QueueName)[]).map(async (field) => [
          QueueName[field],
          await queues[field].getJobCounts('waiting', 'active', 'delayed', 'failed'),
        ]),
      ),
    );
  const render = async () => {
    const day = utcDay(Date.now());
    const snapshot = { queues: await queueCounts(), day, counters: await deps.daily.read(day) };
    return formatPrometheusMetrics(snapshot, config.fleet.metricsSources);
  };
  const metricsPort = config.fleet.metricsPort;
  // The endpoint first: a port that cannot be had stops the role before any worker runs.
  const metrics = await serveMetrics(
    metricsPort === undefined ? undefined : { port: metricsPort, render },
    logger,
    'metrics snapshot failed',
  );
  const events = startValidatedWorker(
    {
      queue: QueueName.events,
      schema: VerdictEvent,
      connection: redis,
      concurrency: 8,
      logger,
      lockMs: config.fleet.jobLockMs,
    },
    async (event) => {
      const alert = await monitorEvent(event, deps);
      if (alert) logger.warn({ alert }, 'attack alert raised');
    },
  );
  const alertSender =
    sender ?? (config.fleet.slackWebhookUrl ? createSlackSender(config.fleet.slackWebhookUrl) : undefined);
  if (!alertSender)
    logger.warn('ADVSCREEN_SLACK_WEBHOOK_URL is not set: alerts stay queued until a monitor with it runs');
  const alerts = alertSender
    ? startValidatedWorker(
        {
          queue: QueueName.alerts,
          schema: AlertJob,
          connection: redis,
          concurrency: 1,
          logger,
          lockMs: config.fleet.jobLockMs,
        },
        async (alert) => {
          await alertSender.send(formatAlertText(alert));
        },
      )
    : undefined;
  const cloudwatchSeconds = config.fleet.cloudwatchMetricsSeconds;
  const cloudwatch =
    cloudwatchSeconds === undefined
      ? undefined
      : repeatUntilStopped(
          async () => {
            const counts = await queueCounts();
            for (const document of queueDepthEmf(counts, Date.now())) logger.info(document, 'queue depth');
          },
          cloudwatchSeconds * 1000,
          (error) => logger.error({ err: error }, 'queue depth for CloudWatch failed'),
        );
  logger.info({ rule, metricsPort: metrics?.port, cloudwatchSeconds }, 'monitor role started');
  return {
    role: 'monitor',
    ...(metrics ? { port: metrics.port } : {}),
    async close() {
      cloudwatch?.stop();
      await metrics?.close();
      await events.close();
      await alerts?.close();
    },
  };
}

/** Starts one role in this process; `close()` drains in-flight jobs, then closes connections. */
/** The settings naming buckets a role writes to or lists. */
function bucketSettings(
  role: Role,
  config: AdvscreenConfig,
): [name: string, location: S3Location | undefined][] {
  if (role === 'monitor') return [];
  const results: [string, S3Location | undefined] = ['ADVSCREEN_RESULTS', config.fleet.results];
  if (role === 'ingest')
    return [
      results,
      ...config.fleet.poll.map((location): [string, S3Location] => ['ADVSCREEN_POLL', location]),
    ];
  return [results, ['ADVSCREEN_QUARANTINE', config.fleet.quarantine]];
}

export async function startRole(
  role: Role,
  config: AdvscreenConfig,
  logger: Logger,
  options: { alertSender?: AlertSender } = {},
): Promise<RunningRole> {
  const context = openRoleContext(config, logger, role);
  try {
    await checkBuckets(context, bucketSettings(role, config));
    const running =
      role === 'ingest'
        ? await startIngest(context)
        : role === 'detector'
          ? await startDetector(context)
          : role === 'inference'
            ? await startInference(context)
            : await startMonitor(context, options.alertSender);
    return {
      ...running,
      async close() {
        await running.close();
        await context.close();
      },
    };
  } catch (error) {
    await context.close();
    throw error;
  }
}

/**
 * Runs a role until SIGTERM or SIGINT, then closes it within the grace period (in-flight jobs
 * finish; anything not finished is picked up again by another worker once its lock expires).
 * For process entry points only: past the grace period it ends the process (exit code 1), since
 * a job stuck in flight (an S3 read that never answers, say) keeps its worker's connections open
 * and the process would otherwise outlive its own shutdown.
 */
export async function runRoleUntilSignalled(
  role: Role,
  config: AdvscreenConfig,
  logger: Logger,
): Promise<number> {
  // Listening before the start: a signal that comes while the role starts, or just after it logs
  // that it started, must drain it too, not end the process by the default action.
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  const running = await startRole(role, config, logger);
  const signal = await signalled;
  logger.info({ signal }, 'shutting down');
  const deadline = new Promise<'timeout'>((resolve) =>
    setTimeout(resolve, config.fleet.shutdownGraceMs, 'timeout').unref(),
  );
  const outcome = await Promise.race([running.close().then(() => 'closed' as const), deadline]);
  if (outcome === 'timeout') {
    logger.warn('grace period over, exiting with jobs in flight');
    process.exit(1);
  }
  return 0;
}
