import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@advscreen/config';
import { QueueName } from '@advscreen/contracts';
import {
  createFleetQueues,
  createRedisDetectionCache,
  createRedisPolledVersions,
  enqueuePrefix,
  type FleetQueues,
  type RunningRole,
  retryFailedJobs,
  startRole,
  storesByBucket,
} from '@advscreen/fleet';
import { createLogger } from '@advscreen/observability';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT, runCli } from './support/cli.ts';
import { listKeys, startWebhookReceiver, waitFor } from './support/fleet.ts';
import { hostileFiles } from './support/hostile-files.ts';
import { nearDuplicatePngs } from './support/near-duplicates.ts';
import { promtool } from './support/prometheus.ts';
import { createTestBucket, testS3Client, testS3Environment } from './support/s3.ts';
import { startRestartableRedis, startSilentServer } from './support/servers.ts';

const PHOTOS = path.join(REPO_ROOT, 'test/fixtures/photos');
let client: S3Client;
let redis: Redis;
/** Database 1 is the fleet tests' own, so flushing it between tests touches no other test file. */
const redisUrl = () => `${inject('redis').url}/1`;
const running: RunningRole[] = [];

beforeAll(() => {
  client = testS3Client();
  redis = new Redis(redisUrl());
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((role) => role.close()));
  await redis.flushdb();
});
afterAll(async () => {
  redis.disconnect();
  client.destroy();
});

async function bodyOf(bucket: string, key: string): Promise<string> {
  const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (object.Body as { transformToString(): Promise<string> }).transformToString();
}

/** Environment for the fleet: the detector's worker threads read it, so it goes in process.env. */
function fleetEnvironment(settings: Record<string, string>): void {
  Object.assign(
    process.env,
    testS3Environment(),
    { ADVSCREEN_REDIS_URL: redisUrl(), ADVSCREEN_LOG_LEVEL: 'warn' },
    settings,
  );
}

/** Fresh upload, quarantine and results buckets, and the fleet's environment pointing at them. */
async function freshFleet(label: string, settings: Record<string, string>) {
  const uploads = await createTestBucket(client, label);
  const quarantine = await createTestBucket(client, 'quarantine');
  const results = await createTestBucket(client, 'results');
  delete process.env.ADVSCREEN_SLACK_WEBHOOK_URL;
  delete process.env.ADVSCREEN_POLL;
  fleetEnvironment({
    ADVSCREEN_RESULTS: `s3://${results}/outcomes`,
    ADVSCREEN_QUARANTINE: `s3://${quarantine}/held`,
    ADVSCREEN_INGEST_PORT: '0',
    ...settings,
  });
  const logger = createLogger({ name: 'fleet-test', level: 'error', pretty: false });
  return { uploads, quarantine, results, config: loadConfig(), logger };
}

/** Detect jobs BullMQ holds for this run (each object version should have exactly one). */
async function detectJobsSeen(): Promise<number> {
  const queues = createFleetQueues(new Redis(redisUrl(), { maxRetriesPerRequest: null }));
  const counts = await queues.detect.getJobCounts('completed', 'waiting', 'active');
  await queues.close();
  return (counts.completed ?? 0) + (counts.waiting ?? 0) + (counts.active ?? 0);
}

/** What `advscreen enqueue s3://<bucket>/` does: a job per object in the bucket. */
async function enqueueBucket(bucket: string, queues?: FleetQueues): Promise<void> {
  const into = queues ?? createFleetQueues(new Redis(redisUrl(), { maxRetriesPerRequest: null }));
  await enqueuePrefix({
    store: storesByBucket(client)(bucket),
    bucket,
    prefix: '',
    queues: into,
    via: 'enqueue',
  });
  if (!queues) await into.close();
}

/** Each test photo `copies` times (`copy-<n>/<name>`); returns the keys. */
async function uploadPhotoCopies(bucket: string, copies: number): Promise<string[]> {
  const names = (await readdir(PHOTOS)).filter((name) => /\.(png|jpg)$/.test(name));
  const keys: string[] = [];
  for (let copy = 0; copy < copies; copy++) {
    for (const name of names) {
      const key = `copy-${copy}/${name}`;
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(path.join(PHOTOS, name)) }),
      );
      keys.push(key);
    }
  }
  return keys;
}

/**
 * The child's exit code, or 'still running' after `ms`: given up on before the test's own timeout,
 * so that the caller's `finally` still runs and kills it.
 */
async function exitCodeWithin(child: ChildProcess, ms: number): Promise<number | null | 'still running'> {
  const stillRunning = new Promise<['still running']>((resolve) =>
    setTimeout(() => resolve(['still running']), ms).unref(),
  );
  const [code] = await Promise.race([once(child, 'exit') as Promise<[number | null]>, stillRunning]);
  return code;
}

describe('the fleet on real Redis and S3 servers', () => {
  it('screens dropped images end to end: routing, quarantine, results, rejections, one Slack alert', async () => {
    const slack = await startWebhookReceiver();
    const { uploads, quarantine, results, config, logger } = await freshFleet('uploads', {
      ADVSCREEN_SLACK_WEBHOOK_URL: slack.url,
      ADVSCREEN_ALERT_THRESHOLD: '3',
      ADVSCREEN_ALERT_WINDOW_MINUTES: '5',
      ADVSCREEN_ALERT_COOLDOWN_MINUTES: '30',
      ADVSCREEN_SOURCE_KEY_PATTERN: '^from-(?<source>[a-z0-9-]+)/',
      ADVSCREEN_METRICS_PORT: '0',
      ADVSCREEN_INFERENCE_METRICS_PORT: '0',
      ADVSCREEN_DETECTOR_METRICS_PORT: '0',
    });
    for (const role of ['monitor', 'inference', 'detector', 'ingest'] as const)
      running.push(await startRole(role, config, logger));
    const ingestPort = running.find((r) => r.role === 'ingest')?.port;

    const s3 = inject('s3');
    const viaNotifications = s3.notificationControl !== null;
    if (s3.notificationControl) {
      await fetch(s3.notificationControl, {
        method: 'POST',
        body: JSON.stringify({ bucket: uploads, url: `http://127.0.0.1:${ingestPort}/notifications` }),
      });
    }

    const names = (await readdir(PHOTOS)).filter((name) => /\.(png|jpg)$/.test(name));
    const uploaded: string[] = [];
    for (const name of names) {
      const key = name.includes('__') ? `from-bot-7/${name}` : `from-alice/${name}`;
      await client.send(
        new PutObjectCommand({ Bucket: uploads, Key: key, Body: await readFile(path.join(PHOTOS, name)) }),
      );
      uploaded.push(key);
    }
    // An agent's queries: the same photo with one pixel changed each time.
    for (const [i, body] of (await nearDuplicatePngs(path.join(PHOTOS, 'kite_1.png'), 6)).entries()) {
      const key = `from-agent/query-${i}.png`;
      await client.send(new PutObjectCommand({ Bucket: uploads, Key: key, Body: body }));
      uploaded.push(key);
    }
    const hostile = await hostileFiles(await readFile(path.join(PHOTOS, 'dog_0.jpg')));
    for (const name of [
      'truncated.jpg',
      'notes.png',
      'vector.jpg',
      'drawing.svg',
      'empty.jpg',
      'sticker.png',
    ]) {
      const key = `from-bot-7/broken ${name}`;
      await client.send(new PutObjectCommand({ Bucket: uploads, Key: key, Body: hostile[name]?.bytes }));
      uploaded.push(key);
    }
    // No image name, but sent as one: the ingest role's HEAD carries the claim to the detector.
    await client.send(
      new PutObjectCommand({
        Bucket: uploads,
        Key: 'from-bot-7/broken upload-7f3a',
        Body: hostile['drawing.svg']?.bytes,
        ContentType: 'image/jpeg',
      }),
    );
    uploaded.push('from-bot-7/broken upload-7f3a');
    await client.send(
      new PutObjectCommand({
        Bucket: uploads,
        Key: 'misc/tagged.jpg',
        Body: await readFile(path.join(PHOTOS, 'kite_1.jpg')),
        Metadata: { source: 'partner-api' },
      }),
    );
    uploaded.push('misc/tagged.jpg');
    if (!viaNotifications) {
      // MinIO in a container: its webhook target is not configured by the tests; enqueue instead.
      await enqueueBucket(uploads);
    }

    const outcomeKeys = await waitFor('an outcome for every uploaded object', async () => {
      const keys = await listKeys(client, results, 'outcomes/');
      return keys.length >= uploaded.length ? keys : null;
    });
    expect(outcomeKeys.sort()).toEqual(uploaded.map((key) => `outcomes/${uploads}/${key}.json`).sort());

    const outcomes = new Map<string, Record<string, unknown>>();
    for (const key of uploaded)
      outcomes.set(key, JSON.parse(await bodyOf(results, `outcomes/${uploads}/${key}.json`)));

    // Clean photos reach the model: a prediction from the ONNX classifier.
    for (const key of uploaded.filter((k) => k.startsWith('from-alice/'))) {
      const outcome = outcomes.get(key) as {
        verdict: string;
        stage: string;
        prediction: { label: string };
        model: { id: string };
        source: string;
      };
      expect(outcome.verdict, `${key}: ${JSON.stringify(outcome).slice(0, 600)}`).toBe('clean');
      expect(outcome.stage).toBe('inference');
      expect(outcome.model.id).toBe('mobilenetv2-moderation');
      expect(outcome.prediction.label).toBe('Neutral');
      expect(outcome.source).toBe('alice');
    }
    expect(outcomes.get('misc/tagged.jpg')).toMatchObject({ verdict: 'clean', source: 'partner-api' });

    // Strong attacks are quarantined with their evidence; the originals stay where they were.
    const adversarial = [...outcomes].filter(([, o]) => o.verdict === 'adversarial').map(([key]) => key);
    // The agent's sixth near-identical upload, whichever detector took it, repeats five before it.
    const agentVerdicts = uploaded
      .filter((k) => k.startsWith('from-agent/'))
      .map((k) => outcomes.get(k) as { verdict: string; layer?: string; nearDuplicates?: number });
    expect(agentVerdicts.map((o) => o.nearDuplicates).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(agentVerdicts.filter((o) => o.verdict === 'adversarial')).toEqual([
      expect.objectContaining({ layer: 'query-history', nearDuplicates: 5 }),
    ]);
    expect(adversarial).toEqual(expect.arrayContaining(uploaded.filter((k) => /__PGD_8-255\.png$/.test(k))));
    for (const key of adversarial) {
      const head = await client.send(
        new HeadObjectCommand({ Bucket: quarantine, Key: `held/${uploads}/${key}` }),
      );
      expect(head.Metadata).toMatchObject({
        'advscreen-verdict': 'adversarial',
        'advscreen-source': `s3://${uploads}/${key}`,
        'advscreen-sender': key.startsWith('from-agent/') ? 'agent' : 'bot-7',
        'advscreen-detector': 'residual-cooccurrence@23',
      });
      const outcome = outcomes.get(key) as { stage: string; layer: string; quarantineKey: string };
      expect(outcome.quarantineKey).toBe(`held/${uploads}/${key}`);
      // The detector catches most; the model-aware checks at inference catch some it passes.
      expect([
        'detector detector',
        'detector query-history',
        'inference consistency',
        'inference sanity',
      ]).toContain(`${outcome.stage} ${outcome.layer}`);
    }
    expect((await listKeys(client, uploads)).sort()).toEqual([...uploaded].sort());

    // Broken files end as rejected with a reason, at ingest (empty) or at the detector.
    expect(outcomes.get('from-bot-7/broken empty.jpg')).toMatchObject({
      verdict: 'rejected',
      reason: 'empty',
      stage: 'ingest',
    });
    expect(outcomes.get('from-bot-7/broken truncated.jpg')).toMatchObject({
      verdict: 'rejected',
      reason: 'corrupt',
    });
    expect(outcomes.get('from-bot-7/broken notes.png')).toMatchObject({
      verdict: 'rejected',
      reason: 'not_an_image',
    });
    expect(outcomes.get('from-bot-7/broken vector.jpg')).toMatchObject({
      verdict: 'rejected',
      reason: 'disguised_format',
    });
    expect(outcomes.get('from-bot-7/broken drawing.svg')).toMatchObject({
      verdict: 'rejected',
      reason: 'unsupported_format',
    });
    expect(outcomes.get('from-bot-7/broken upload-7f3a')).toMatchObject({
      verdict: 'rejected',
      reason: 'disguised_format',
      detail: expect.stringMatching(/sent as image\/jpeg/),
    });
    // Crafted files refused count towards the sender's attack window (countsAsAttack).
    expect(outcomes.get('from-bot-7/broken sticker.png')).toMatchObject({
      verdict: 'rejected',
      reason: 'partly_transparent',
    });

    // More than 3 attacks inside the window: exactly one alert, naming the sender.
    expect(adversarial.length).toBeGreaterThan(3);
    await waitFor('the Slack alert', async () => (slack.messages.length > 0 ? true : null));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(slack.messages).toHaveLength(1);
    expect(slack.messages[0]).toMatch(/from source bot-7/);
    expect(slack.messages[0]).toMatch(
      /The image that raised it (was flagged by the (detector|consistency|sanity) check|repeats its sender's recent uploads|was refused as partly transparent)|The file that raised it was refused as an SVG or PDF under an image's name/,
    );
    expect(slack.messages[0]).toMatch(/images screened in that window: false positives would explain about/);

    // The monitor's metrics endpoint: queue depths to scale on, today's verdicts per source.
    const metricsPort = running.find((r) => r.role === 'monitor')?.port;
    const botAttacks = [...outcomes.values()].filter(
      (o) => o.verdict === 'adversarial' && o.source === 'bot-7',
    ).length;
    const metrics = await waitFor("bot-7's attacks in /metrics", async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return text.includes(`source="bot-7",verdict="adversarial"} ${botAttacks}\n`) ? text : null;
    });
    expect(metrics).toMatch(/^advscreen_queue_jobs\{queue="advscreen-detect",state="waiting"\} \d+$/m);
    expect(metrics).toMatch(/^advscreen_queue_jobs\{queue="advscreen-infer",state="failed"\} 0$/m);

    // The inference process's own metrics: every image that reached the model went through a batch.
    const inferencePort = running.find((r) => r.role === 'inference')?.port;
    const inferenceMetrics = await (await fetch(`http://127.0.0.1:${inferencePort}/metrics`)).text();
    const modelRuns = [...outcomes.values()].filter((o) => o.stage === 'inference').length;
    const sample = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(inferenceMetrics)?.[1]);
    expect(sample('advscreen_inference_batch_images_sum')).toBe(modelRuns);
    expect(sample('advscreen_inference_batch_seconds_count')).toBe(
      sample('advscreen_inference_batch_images_count'),
    );
    expect(sample('advscreen_inference_batch_images_count')).toBeGreaterThan(0);
    expect(inferenceMetrics).toMatch(/^process_cpu_seconds_total /m);
    // It parses (exit 1 would be a format error); the only lint is prom-client's own naming of three
    // Node.js gauges (`nodejs_active_*_total`), none of ours.
    const check = await promtool(['check', 'metrics'], inferenceMetrics);
    expect(check.code).not.toBe(1);
    const lint = check.output.split('\n').filter((line) => line !== '');
    for (const line of lint) expect(line).toMatch(/^nodejs_active_\w+_total non-counter metrics/);

    // The detector process's own metrics: every detect job's verdict, as the outcomes say.
    const detectorPort = running.find((r) => r.role === 'detector')?.port;
    const all = [...outcomes.values()];
    const detectorVerdicts = {
      clean: all.filter((o) => o.stage === 'inference').length,
      adversarial: all.filter((o) => o.stage === 'detector' && o.verdict === 'adversarial').length,
      rejected: all.filter((o) => o.stage === 'detector' && o.verdict === 'rejected').length,
    };
    const counted = (text: string, verdict: string) =>
      ['false', 'true'].reduce(
        (sum, reused) =>
          sum +
          Number(
            new RegExp(
              `^advscreen_detector_objects_total\\{verdict="${verdict}",reused="${reused}"\\} (\\S+)$`,
              'm',
            ).exec(text)?.[1],
          ),
        0,
      );
    // Completion events reach the role's thread just after the outcomes are written.
    const detectorMetrics = await waitFor('every detect job in the detector metrics', async () => {
      const text = await (await fetch(`http://127.0.0.1:${detectorPort}/metrics`)).text();
      const total = Object.keys(detectorVerdicts).reduce((sum, verdict) => sum + counted(text, verdict), 0);
      return total === uploaded.length - 1 ? text : null;
    });
    for (const [verdict, count] of Object.entries(detectorVerdicts))
      expect(counted(detectorMetrics, verdict), verdict).toBe(count);
    const steps = (step: string) =>
      Number(
        new RegExp(`^advscreen_detector_step_seconds_count\\{step="${step}"\\} (\\S+)$`, 'm').exec(
          detectorMetrics,
        )?.[1],
      );
    expect(steps('score')).toBeGreaterThan(0);
    expect(steps('read')).toBe(steps('score'));
    const detectorCheck = await promtool(['check', 'metrics'], detectorMetrics);
    expect(detectorCheck.code).not.toBe(1);
    for (const line of detectorCheck.output.split('\n').filter((l) => l !== ''))
      expect(line).toMatch(/^nodejs_active_\w+_total non-counter metrics/);

    // Re-announcing the same objects screens nothing twice.
    await enqueueBucket(uploads);
    // The empty object was rejected at ingest; every other one has exactly one detect job.
    expect(await detectJobsSeen()).toBe(uploaded.length - 1);
    await slack.close();
  });

  it('gives every object exactly one outcome when a detector is killed with SIGKILL mid-batch', async () => {
    const { uploads, quarantine, results, config, logger } = await freshFleet('batch', {
      ADVSCREEN_JOB_LOCK_MS: '2000',
      ADVSCREEN_DETECTOR_CONCURRENCY: '1',
    });
    for (const role of ['inference', 'ingest'] as const) running.push(await startRole(role, config, logger));

    const uploaded = await uploadPhotoCopies(uploads, 4);
    const queues = createFleetQueues(new Redis(redisUrl(), { maxRetriesPerRequest: null }));
    await enqueueBucket(uploads, queues);

    // A detector in its own process, killed without warning once it is part-way through.
    const detector = spawn(process.execPath, [path.join(REPO_ROOT, 'apps/detector/src/main.ts')], {
      env: process.env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await waitFor('the first outcomes', async () =>
      (await listKeys(client, results, 'outcomes/')).length >= 5 ? true : null,
    );
    detector.kill('SIGKILL');
    await once(detector, 'exit');
    const before = (await listKeys(client, results, 'outcomes/')).length;
    expect(before).toBeLessThan(uploaded.length);

    running.push(await startRole('detector', config, logger));
    const outcomeKeys = await waitFor('an outcome for every object', async () => {
      const keys = await listKeys(client, results, 'outcomes/');
      return keys.length >= uploaded.length ? keys : null;
    });
    expect(outcomeKeys.sort()).toEqual(uploaded.map((key) => `outcomes/${uploads}/${key}.json`).sort());

    let adversarial = 0;
    for (const key of uploaded) {
      const outcome = JSON.parse(await bodyOf(results, `outcomes/${uploads}/${key}.json`)) as {
        verdict: string;
      };
      expect(['clean', 'adversarial']).toContain(outcome.verdict);
      if (outcome.verdict === 'adversarial') adversarial++;
    }
    const copies = (await listKeys(client, quarantine, 'held/')).filter(
      (key) => !key.endsWith('.advscreen.json'),
    );
    expect(copies).toHaveLength(adversarial);
    expect(await queues.detect.getJobCounts('failed')).toEqual({ failed: 0 });
    await queues.close();
  });

  it('loses no object and no role when Redis restarts mid-batch', async () => {
    const redisServer = await startRestartableRedis(await mkdtemp(path.join(tmpdir(), 'redis-aof-')));
    const { uploads, results } = await freshFleet('restart', {
      ADVSCREEN_REDIS_URL: redisServer.url,
      ADVSCREEN_DETECTOR_CONCURRENCY: '1',
      // A job whose reply the restart cut off stays active with nobody renewing its lock; the
      // stalled-job check hands it out again once the lock lapses (30-60 s at the default 30 s).
      ADVSCREEN_JOB_LOCK_MS: '10000',
    });
    const roles = (['ingest', 'detector', 'inference', 'monitor'] as const).map((role) =>
      spawn(process.execPath, [path.join(REPO_ROOT, `apps/${role}/src/main.ts`)], {
        env: { ...process.env, ADVSCREEN_LOG_LEVEL: 'info' },
        stdio: ['ignore', 'ignore', 'pipe'],
      }),
    );
    const logs = roles.map((role) => {
      const log = { text: '' };
      role.stderr?.on('data', (chunk) => {
        log.text += chunk;
      });
      return log;
    });
    // The test's own connection waits out the outage it causes, without a line per retry.
    const connection = new Redis(redisServer.url, { maxRetriesPerRequest: null }).on('error', () => {});
    const queues = createFleetQueues(connection);
    try {
      const uploaded = await uploadPhotoCopies(uploads, 4);
      await enqueueBucket(uploads, queues);
      await waitFor('the first outcomes', async () =>
        (await listKeys(client, results, 'outcomes/')).length >= 5 ? true : null,
      );
      await redisServer.stop();
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect((await listKeys(client, results, 'outcomes/')).length).toBeLessThan(uploaded.length);
      await redisServer.start();

      const outcomeKeys = await waitFor('an outcome for every object', async () => {
        const keys = await listKeys(client, results, 'outcomes/');
        return keys.length >= uploaded.length ? keys : null;
      });
      expect(outcomeKeys.sort()).toEqual(uploaded.map((key) => `outcomes/${uploads}/${key}.json`).sort());
      // The monitor took every object's event (one per object: event ids are the object's).
      await waitFor('the monitor to take every event', async () =>
        (await queues.events.getCompletedCount()) === uploaded.length ? true : null,
      );
      for (const queue of [queues.ingest, queues.detect, queues.infer, queues.events])
        expect(await queue.getJobCounts('failed', 'waiting', 'delayed')).toEqual({
          failed: 0,
          waiting: 0,
          delayed: 0,
        });
      expect(roles.map((role) => role.exitCode)).toEqual([null, null, null, null]);
      // Each process said once that Redis was gone and once that it was back (the detector also
      // from its scoring thread), in its structured log, instead of an error per reconnect attempt
      // (65 lines here before, with 145 raw stack traces). A job whose lock renewal fell in the
      // outage can lose its lock at the next one: BullMQ reports each such job (at most twice),
      // at warn, however long the outage; the inference role keeps a batch of jobs in flight.
      for (const log of logs) {
        const lines = log.text.split('\n').filter((line) => line !== '');
        const records = lines.map((line) => JSON.parse(line) as { msg: string });
        const messages = records.map((record) => record.msg);
        const lost = messages.filter((msg) => msg.startsWith('redis unreachable')).length;
        expect(lost).toBeGreaterThanOrEqual(1);
        expect(lost).toBeLessThanOrEqual(2);
        expect(messages.filter((msg) => msg === 'redis reachable again')).toHaveLength(lost);
        expect(records.filter((record) => /error/.test(record.msg))).toEqual([]);
      }
    } finally {
      for (const role of roles) if (role.exitCode === null) role.kill('SIGKILL');
      await queues.close();
      await redisServer.stop();
    }
  }, 120_000);

  it('hands back the jobs an S3 outage failed for good with `retry-failed`, and each object gets its outcome', async () => {
    const { uploads, results, config, logger } = await freshFleet('redrive', {});
    const uploaded = await uploadPhotoCopies(uploads, 1);
    const queues = createFleetQueues(new Redis(redisUrl(), { maxRetriesPerRequest: null }));
    try {
      // An ingest role that cannot reach S3, and jobs of one attempt each: the outage outlasts
      // their retries at once instead of after the 15 s of five attempts' backoff.
      const cutOff = await startRole(
        'ingest',
        { ...config, s3: { ...config.s3, endpoint: 'http://127.0.0.1:9' } },
        pino({ level: 'silent' }),
      );
      for (const key of uploaded) {
        await queues.ingest.add(
          'ingest',
          {
            v: 1,
            object: { bucket: uploads, key, etag: null },
            via: 'enqueue',
            receivedAt: new Date().toISOString(),
          },
          { attempts: 1 },
        );
      }
      await waitFor('every ingest job failed for good', async () =>
        (await queues.ingest.getFailedCount()) === uploaded.length ? true : null,
      );
      await cutOff.close();
      expect(await listKeys(client, results, 'outcomes/')).toEqual([]);

      for (const role of ['inference', 'detector', 'ingest'] as const)
        running.push(await startRole(role, config, logger));
      const redrive = await runCli(['retry-failed']);
      expect(redrive.stderr).toBe('');
      expect(JSON.parse(redrive.stdout)).toEqual({
        retried: { ingest: uploaded.length, detect: 0, infer: 0, events: 0, alerts: 0 },
      });
      const outcomeKeys = await waitFor('an outcome for every object', async () => {
        const keys = await listKeys(client, results, 'outcomes/');
        return keys.length >= uploaded.length ? keys : null;
      });
      expect(outcomeKeys.sort()).toEqual(uploaded.map((key) => `outcomes/${uploads}/${key}.json`).sort());
      expect(await queues.ingest.getFailedCount()).toBe(0);
      // Nothing is left to hand back.
      expect(JSON.parse((await runCli(['retry-failed', '--queue', 'ingest'])).stdout).retried.ingest).toBe(0);
      const misnamed = await runCli(['retry-failed', '--queue', 'ingset']);
      expect(misnamed.code).toBe(2);
      expect(misnamed.stderr).toContain('retry-failed takes --queue ingest|detect|infer|events|alerts');
    } finally {
      await queues.close();
    }
  });

  it('hands each failed job back once when two redrives run at the same time', async () => {
    const connection = new Redis(redisUrl(), { maxRetriesPerRequest: null });
    const queues = createFleetQueues(connection);
    const failing = new Worker(
      QueueName.alerts,
      async () => {
        throw new Error('Slack unreachable');
      },
      { connection },
    );
    try {
      const count = 40;
      for (let i = 0; i < count; i++) await queues.alerts.add('alert', { i } as never, { attempts: 1 });
      await waitFor('every job failed', async () =>
        (await queues.alerts.getFailedCount()) === count ? true : null,
      );
      await failing.close();
      const [first, second] = await Promise.all([
        retryFailedJobs(queues, ['alerts']),
        retryFailedJobs(queues, ['alerts']),
      ]);
      expect(first.alerts + second.alerts).toBe(count);
      expect(await queues.alerts.getJobCounts('failed', 'waiting')).toEqual({ failed: 0, waiting: count });
    } finally {
      await failing.close();
      await queues.close();
      connection.disconnect();
    }
  });

  it('logs queue depths in CloudWatch embedded metric format for EC2 scaling policies', async () => {
    const { config } = await freshFleet('emf', { ADVSCREEN_CLOUDWATCH_METRICS_S: '1' });
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const queues = createFleetQueues(new Redis(redisUrl(), { maxRetriesPerRequest: null }));
    // Jobs nobody takes here (no inference role runs): they wait.
    for (let i = 0; i < 3; i++) await queues.infer.add('infer', { i } as never);
    running.push(await startRole('monitor', config, logger));
    const line = await waitFor('an EMF line for the inference queue', async () => {
      const found = lines.map((l) => JSON.parse(l)).find((l) => l.Queue === QueueName.infer);
      return found ?? null;
    });
    expect(line).toMatchObject({ WaitingJobs: 3, ActiveJobs: 0, FailedJobs: 0 });
    expect(line._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'advscreen', Dimensions: [['Queue']] });
    expect(Math.abs(line._aws.Timestamp - Date.now())).toBeLessThan(10_000);
    await queues.close();
  });

  it('runs more detector threads than Node allows listeners per stream, without a leak warning', async () => {
    const { uploads, config, logger } = await freshFleet('threads', { ADVSCREEN_DETECTOR_CONCURRENCY: '12' });
    const photo = await readFile(path.join(PHOTOS, 'kite_1.png'));
    const count = 14;
    for (let i = 0; i < count; i++)
      await client.send(new PutObjectCommand({ Bucket: uploads, Key: `copy-${i}.png`, Body: photo }));
    running.push(await startRole('ingest', config, logger));
    await enqueueBucket(uploads);
    const queues = createFleetQueues(new Redis(redisUrl(), { maxRetriesPerRequest: null }));
    try {
      await waitFor('detect jobs queued', async () =>
        (await queues.detect.getWaitingCount()) === count ? true : null,
      );
      const warnings: string[] = [];
      const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
      process.on('warning', onWarning);
      try {
        // Every job is waiting, so the role takes 12 at once: 12 threads, each piping its output here.
        running.push(await startRole('detector', config, logger));
        await waitFor('detect jobs done', async () =>
          (await queues.detect.getCompletedCount()) === count ? true : null,
        );
      } finally {
        process.off('warning', onWarning);
      }
      expect(warnings.filter((warning) => warning.startsWith('MaxListenersExceededWarning'))).toEqual([]);
    } finally {
      await queues.close();
    }
  });

  it('finds objects by polling a prefix when the store sends no notifications, once each', async () => {
    const uploads = await createTestBucket(client, 'polled');
    const { results, config, logger } = await freshFleet('unused', {
      ADVSCREEN_POLL: `s3://${uploads}/incoming/`,
      ADVSCREEN_POLL_INTERVAL_S: '1',
    });
    for (const role of ['inference', 'detector', 'ingest'] as const)
      running.push(await startRole(role, config, logger));
    const keys = ['incoming/dog_0.jpg', 'incoming/kite_1.png', 'incoming/person_2__PGD_8-255.png'];
    for (const key of keys) {
      await client.send(
        new PutObjectCommand({
          Bucket: uploads,
          Key: key,
          Body: await readFile(path.join(PHOTOS, path.basename(key))),
        }),
      );
    }
    // `incoming/` is that folder: not `incoming-old/`, which `incoming` alone would also list.
    for (const outside of ['elsewhere/skip.jpg', 'incoming-old/skip.jpg'])
      await client.send(
        new PutObjectCommand({ Bucket: uploads, Key: outside, Body: 'outside the polled prefix' }),
      );
    const outcomeKeys = await waitFor('outcomes of the polled objects', async () => {
      const found = await listKeys(client, results, 'outcomes/');
      return found.length >= keys.length ? found : null;
    });
    expect(outcomeKeys.sort()).toEqual(keys.map((key) => `outcomes/${uploads}/${key}.json`).sort());
    // Several polls later, each object was still screened once.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await detectJobsSeen()).toBe(keys.length);
    // Completed jobs go after a day (or past 100,000): the poller must not screen the prefix again then.
    const queues = createFleetQueues(new Redis(redisUrl(), { maxRetriesPerRequest: null }));
    try {
      for (const queue of [queues.ingest, queues.detect, queues.infer])
        await queue.clean(0, 100_000, 'completed');
      expect(await detectJobsSeen()).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(await detectJobsSeen()).toBe(0);
      // A key written again with other bytes is another version: screened.
      await client.send(
        new PutObjectCommand({
          Bucket: uploads,
          Key: keys[0],
          Body: await readFile(path.join(PHOTOS, 'kite_1.png')),
        }),
      );
      await waitFor('the new version screened', async () => ((await detectJobsSeen()) === 1 ? true : null));
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(await detectJobsSeen()).toBe(1);
    } finally {
      await queues.close();
    }
  });

  it('says how many object versions an enqueue queued, and how many the queue held already', async () => {
    const { uploads } = await freshFleet('recount', {});
    const keys = await uploadPhotoCopies(uploads, 1);
    const first = await runCli(['enqueue', `s3://${uploads}/`]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({
      source: `s3://${uploads}/`,
      queued: keys.length,
      alreadyQueued: 0,
    });
    await client.send(new PutObjectCommand({ Bucket: uploads, Key: 'late.png', Body: 'added since' }));
    const again = await runCli(['enqueue', `s3://${uploads}/`]);
    expect(JSON.parse(again.stdout)).toEqual({
      source: `s3://${uploads}/`,
      queued: 1,
      alreadyQueued: keys.length,
    });
  });

  it("remembers the poller's object versions per bucket, in Redis", async () => {
    const polled = createRedisPolledVersions(redis, `test-${Date.now()}`);
    const a = { bucket: 'one', key: 'a.png', etag: 'e1' };
    const b = { bucket: 'two', key: 'a.png', etag: 'e1' };
    const noEtag = { bucket: 'one', key: 'b.png', etag: null };
    expect(await polled.unseen([a, b, noEtag])).toEqual([a, b, noEtag]);
    await polled.remember([a, noEtag]);
    // Same key in another bucket, and a version without an ETag, are still unseen.
    expect(await polled.unseen([a, b, noEtag])).toEqual([b, noEtag]);
    const rewritten = { ...a, etag: 'e2' };
    expect(await polled.unseen([rewritten])).toEqual([rewritten]);
    await polled.remember([rewritten, b]);
    expect(await polled.unseen([a, rewritten, b])).toEqual([a]);
  });

  it('keeps detector verdicts by content for the days set, and none at 0 days', async () => {
    const record = {
      key: 'a.png',
      verdict: 'clean' as const,
      score: -1,
      threshold: 0,
      signals: {},
      detector: 'residual-cooccurrence@23',
      bytes: 10,
      format: 'png',
      ms: 1,
    };
    const cache = createRedisDetectionCache(redis, 'ns', 2, `test-${Date.now()}`);
    await cache.set('0123456789abcdef0123456789abcdef', record);
    expect(await cache.get('0123456789abcdef0123456789abcdef')).toMatchObject({
      verdict: 'clean',
      score: -1,
    });
    const [key] = await redis.keys('test-*:content:ns:*');
    expect(await redis.ttl(key as string)).toBeGreaterThan(2 * 86_400 - 60);
    expect(await redis.ttl(key as string)).toBeLessThanOrEqual(2 * 86_400);
    const off = createRedisDetectionCache(redis, 'ns', 0, 'test-off');
    await off.set('0123456789abcdef0123456789abcdef', record);
    expect(await off.get('0123456789abcdef0123456789abcdef')).toBeNull();
    expect(await redis.keys('test-off:*')).toEqual([]);
  });

  it('remembers a polled version while it is listed, and forgets a deleted key within the days kept', async () => {
    const prefix = `test-${Date.now()}`;
    let now = Date.UTC(2026, 10, 1, 12);
    const polled = createRedisPolledVersions(redis, prefix, { days: 3, now: () => now });
    const stays = { bucket: 'one', key: 'stays.png', etag: 'e1' };
    const deleted = { bucket: 'one', key: 'deleted.png', etag: 'e2' };
    await polled.remember([stays, deleted]);
    // Ten days of daily polls that list only the key still there: it stays remembered.
    for (let day = 1; day <= 10; day++) {
      now += 86_400_000;
      expect(await polled.unseen([stays])).toEqual([]);
    }
    // Every day's hash expires within the days kept (Redis's own clock), and the deleted key is
    // in none but the first day's, which goes with it.
    const hashes = (await redis.keys(`${prefix}:polled:one:*`)).sort();
    expect(hashes).toHaveLength(11);
    for (const hash of hashes) {
      const ttl = await redis.pttl(hash);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(3 * 86_400_000);
      expect(await redis.hexists(hash, deleted.key)).toBe(hash === hashes[0] ? 1 : 0);
    }
    // Unpolled for longer than the days kept, a version is handed on again (once).
    now += 4 * 86_400_000;
    expect(await polled.unseen([stays])).toEqual([stays]);
  });

  it("records an outcome for keys it cannot file as they are: a backslash, or S3's length limit", async () => {
    const { uploads, results, quarantine, config, logger } = await freshFleet('odd-keys', {});
    const unsafe = 'from-bot-7/back\\slash.png';
    // 1,016 characters: within S3's limit, not once the results and quarantine prefixes join it.
    const long = `from-bot-7/${'d'.repeat(200)}/${'e'.repeat(200)}/${'f'.repeat(200)}/${'g'.repeat(200)}/${'h'.repeat(197)}.png`;
    expect(long).toHaveLength(1016);
    for (const key of [unsafe, long])
      await client.send(
        new PutObjectCommand({
          Bucket: uploads,
          Key: key,
          Body: await readFile(path.join(PHOTOS, 'person_2__PGD_8-255.png')),
        }),
      );
    for (const role of ['detector', 'ingest'] as const) running.push(await startRole(role, config, logger));
    await enqueueBucket(uploads);
    const hashed = (key: string) => `~${createHash('sha256').update(key).digest('hex')}`;
    const outcomeKeys = await waitFor('both outcomes', async () => {
      const found = await listKeys(client, results, 'outcomes/');
      return found.length >= 2 ? found : null;
    });
    expect(outcomeKeys.sort()).toEqual(
      [hashed(unsafe), hashed(long)].map((h) => `outcomes/${uploads}/${h}.json`).sort(),
    );
    const outcomeOf = async (key: string) =>
      JSON.parse(await bodyOf(results, `outcomes/${uploads}/${hashed(key)}.json`));
    expect(await outcomeOf(unsafe)).toMatchObject({
      object: { key: unsafe },
      verdict: 'rejected',
      reason: 'unsafe_key',
    });
    expect(await outcomeOf(long)).toMatchObject({
      object: { key: long },
      verdict: 'adversarial',
      quarantineKey: `held/${uploads}/${hashed(long)}`,
    });
    expect((await listKeys(client, quarantine, 'held/')).sort()).toEqual(
      [`held/${uploads}/${hashed(long)}`, `held/${uploads}/${hashed(long)}.advscreen.json`].sort(),
    );
  });

  it('never screens its own quarantine copies and outcomes when they share the uploads bucket', async () => {
    const uploads = await createTestBucket(client, 'one-bucket');
    const { config, logger } = await freshFleet('unused', {
      ADVSCREEN_QUARANTINE: `s3://${uploads}/held`,
      ADVSCREEN_RESULTS: `s3://${uploads}/outcomes`,
    });
    await client.send(
      new PutObjectCommand({
        Bucket: uploads,
        Key: 'in/attack.png',
        Body: await readFile(path.join(PHOTOS, 'person_2__PGD_8-255.png')),
      }),
    );
    for (const role of ['detector', 'ingest'] as const) running.push(await startRole(role, config, logger));
    await enqueueBucket(uploads);
    await waitFor('the outcome', async () =>
      (await listKeys(client, uploads, 'outcomes/')).length === 1 ? true : null,
    );
    const written = (await listKeys(client, uploads)).sort();
    expect(written).toEqual(
      [
        'in/attack.png',
        `held/${uploads}/in/attack.png`,
        `held/${uploads}/in/attack.png.advscreen.json`,
        `outcomes/${uploads}/in/attack.png.json`,
      ].sort(),
    );
    // As a poller of the whole bucket, or a notification without a prefix filter, would announce them.
    await enqueueBucket(uploads);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect((await listKeys(client, uploads)).sort()).toEqual(written);
    expect(await detectJobsSeen()).toBe(1);
  });

  it("passes over a console's folder marker announced like an upload, recording nothing", async () => {
    const { uploads, results, config, logger } = await freshFleet('folders', {});
    await client.send(new PutObjectCommand({ Bucket: uploads, Key: 'incoming/', Body: '' }));
    running.push(await startRole('ingest', config, logger));
    const queues = createFleetQueues(new Redis(redisUrl(), { maxRetriesPerRequest: null }));
    try {
      await queues.ingest.add('ingest', {
        v: 1,
        object: { bucket: uploads, key: 'incoming/', etag: null },
        via: 'notification',
        receivedAt: new Date().toISOString(),
      });
      await waitFor('the ingest job done', async () =>
        (await queues.ingest.getCompletedCount()) === 1 ? true : null,
      );
      expect(await listKeys(client, results)).toEqual([]);
      expect(await queues.detect.getJobCounts('waiting', 'active', 'completed')).toEqual({
        waiting: 0,
        active: 0,
        completed: 0,
      });
    } finally {
      await queues.close();
    }
  });

  it('stops polling when the ingest role closes, a poll in flight included', async () => {
    // An S3 endpoint that answers every request slowly, and with an error, counting requests.
    let requests = 0;
    const slow = createHttpServer((_request, response) => {
      requests++;
      setTimeout(() => {
        response.writeHead(403, { 'content-type': 'application/xml' });
        response.end('<Error><Code>AccessDenied</Code><Message>no</Message></Error>');
      }, 300);
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      const { config, logger } = await freshFleet('poll-close', {
        ADVSCREEN_POLL: 's3://uploads/incoming/',
        ADVSCREEN_POLL_INTERVAL_S: '1',
        ADVSCREEN_S3_ENDPOINT: `http://127.0.0.1:${(slow.address() as AddressInfo).port}`,
      });
      const role = await startRole('ingest', config, logger);
      await waitFor('a poll in flight', async () => (requests > 0 ? true : null));
      await role.close();
      // The poll in flight ends on its own (the S3 client retries once on its closed socket);
      // then two intervals and more, in which a poll it rescheduled would have listed again.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const settled = requests;
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(requests).toBe(settled);
    } finally {
      slow.closeAllConnections();
      await new Promise((resolve) => slow.close(resolve));
    }
  });

  it('screens a key overwritten before the detectors ran once, as its newer version', async () => {
    const { uploads, results, config, logger } = await freshFleet('overwritten', {});
    running.push(await startRole('ingest', config, logger));
    const put = async (file: string) => {
      const body = await readFile(path.join(PHOTOS, file));
      await client.send(new PutObjectCommand({ Bucket: uploads, Key: 'photo.png', Body: body }));
      await enqueueBucket(uploads);
      return createHash('md5').update(body).digest('hex');
    };
    await put('person_2__PGD_8-255.png');
    await waitFor('the first version queued for the detectors', async () =>
      (await detectJobsSeen()) >= 1 ? true : null,
    );
    const newer = await put('dog_0.png');
    await waitFor('the newer version queued', async () => ((await detectJobsSeen()) >= 2 ? true : null));
    for (const role of ['inference', 'detector'] as const)
      running.push(await startRole(role, config, logger));
    const queues = createFleetQueues(new Redis(redisUrl(), { maxRetriesPerRequest: null }));
    try {
      await waitFor('both detect jobs and the inference done', async () => {
        const [detect, infer] = await Promise.all(
          [queues.detect, queues.infer].map((q) => q.getJobCounts('completed')),
        );
        return detect?.completed === 2 && infer?.completed === 1 ? true : null;
      });
      // The first version's job read the newer bytes, saw they were not its ETag's, and stopped:
      // one outcome (the newer version's) and one event for the monitor, not two.
      const outcome = JSON.parse(await bodyOf(results, `outcomes/${uploads}/photo.png.json`));
      expect(outcome).toMatchObject({ verdict: 'clean', stage: 'inference', object: { etag: newer } });
      const events = await queues.events.getJobCounts('waiting', 'active', 'completed', 'delayed');
      expect(Object.values(events).reduce((sum, n) => sum + n, 0)).toBe(1);
    } finally {
      await queues.close();
    }
  });

  it.each(['ingest', 'detector', 'inference', 'monitor'])(
    '%s process drains and exits 0 on SIGTERM',
    async (role) => {
      await freshFleet('shutdown', {});
      const child = spawn(process.execPath, [path.join(REPO_ROOT, `apps/${role}/src/main.ts`)], {
        env: { ...process.env, ADVSCREEN_LOG_LEVEL: 'info' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let output = '';
      child.stderr?.on('data', (chunk) => {
        output += chunk;
      });
      const exited = once(child, 'exit');
      await waitFor(
        `${role} to start`,
        async () => (output.includes('role started') ? true : null),
        30_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; it wrote: ${output}`);
      });
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
      expect(output).toContain('shutting down');
    },
  );

  it('stops a role at start when a bucket its settings name does not exist (exit 2)', async () => {
    const { uploads, quarantine, config, logger } = await freshFleet('typo', {});
    await expect(
      startRole(
        'detector',
        {
          ...config,
          fleet: { ...config.fleet, quarantine: { bucket: `${quarantine}-typo`, prefix: 'held' } },
        },
        logger,
      ),
    ).rejects.toThrow(`ADVSCREEN_QUARANTINE names bucket ${quarantine}-typo, which does not exist`);
    await expect(
      startRole(
        'ingest',
        { ...config, fleet: { ...config.fleet, poll: [{ bucket: `${uploads}-typo`, prefix: 'incoming/' }] } },
        logger,
      ),
    ).rejects.toThrow(`ADVSCREEN_POLL names bucket ${uploads}-typo, which does not exist`);
    const cli = await runCli(['worker', 'inference'], {
      ADVSCREEN_QUARANTINE: `s3://${quarantine}-typo/held`,
    });
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain(
      `advscreen: ADVSCREEN_QUARANTINE names bucket ${quarantine}-typo, which does not exist`,
    );
  });

  it('ends a role with a job stuck in flight once the grace period is over (exit 1)', async () => {
    await freshFleet('stuck', {});
    // An S3 endpoint that accepts connections and never answers: the ingest job's HEAD hangs.
    const silent = await startSilentServer();
    const connection = new Redis(redisUrl(), { maxRetriesPerRequest: null });
    const queues = createFleetQueues(connection);
    await queues.ingest.add('ingest', {
      v: 1,
      object: { bucket: 'uploads', key: 'never-answered.png', etag: null },
      via: 'enqueue',
      receivedAt: new Date().toISOString(),
    });
    const cli = path.join(REPO_ROOT, 'apps/cli/bin/advscreen.ts');
    const child = spawn(process.execPath, [cli, 'worker', 'ingest'], {
      env: {
        ...process.env,
        ADVSCREEN_S3_ENDPOINT: silent.url,
        ADVSCREEN_SHUTDOWN_GRACE_S: '1',
        ADVSCREEN_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let output = '';
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    try {
      await waitFor('the job in flight', async () =>
        (await queues.ingest.getActiveCount()) === 1 ? true : null,
      );
      child.kill('SIGTERM');
      const code = await exitCodeWithin(child, 20_000);
      expect(code).toBe(1);
      expect(output).toContain('grace period over');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await silent.close();
      await queues.close();
      connection.disconnect();
    }
  });

  it.each([
    ['ingest', 'ADVSCREEN_INGEST_PORT'],
    ['detector', 'ADVSCREEN_DETECTOR_METRICS_PORT'],
    ['inference', 'ADVSCREEN_INFERENCE_METRICS_PORT'],
    ['monitor', 'ADVSCREEN_METRICS_PORT'],
  ])(
    '%s process exits 1 with the reason when its port (%s) is taken, leaving no worker running',
    async (role, setting) => {
      await freshFleet('port-taken', {});
      const taken = createNetServer();
      await new Promise<void>((resolve) => taken.listen(0, resolve));
      const port = (taken.address() as AddressInfo).port;
      // As the images run it: `advscreen worker <role>`, whose main returns an exit code.
      const cli = path.join(REPO_ROOT, 'apps/cli/bin/advscreen.ts');
      const child = spawn(process.execPath, [cli, 'worker', role], {
        env: { ...process.env, [setting]: String(port) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let output = '';
      child.stderr?.on('data', (chunk) => {
        output += chunk;
      });
      try {
        // Exits by itself: nothing it started is left holding the process open.
        const code = await exitCodeWithin(child, 30_000);
        expect(code).toBe(1);
        expect(output).toMatch(/EADDRINUSE/);
      } finally {
        // A regression would leave a process that ignores SIGTERM: not to outlive the test.
        if (child.exitCode === null) child.kill('SIGKILL');
        await new Promise((resolve) => taken.close(resolve));
      }
    },
  );
});
