// npm run bench:fleet -- [--images 2000] [--detector-concurrency 2] [--inference-processes 1]
// Fills a bucket on a local S3 API server with N images (the development corpus beside the
// repo, else the test fixtures, repeated under different prefixes), runs all four roles in
// this process against a local Redis, enqueues the prefix and times until every object has its
// outcome. Then screens the same bucket with the embedded scan, for comparison.
// --inference-processes N starts N - 1 more inference roles as their own processes (as a GPU
// host would run several), each ready before the clock starts.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import { createResidualScorer, loadDetectorModel } from '@advscreen/detection';
import {
  createFleetQueues,
  createRedisConnection,
  enqueuePrefix,
  type RunningRole,
  startRole,
  storesByBucket,
} from '@advscreen/fleet';
import { DailyStats, utcDay } from '@advscreen/monitoring';
import { createLogger } from '@advscreen/observability';
import { scanLocation } from '@advscreen/pipeline';
import { createS3Client, S3Store } from '@advscreen/storage';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { startMinio, startRedis, startS3rver } from '../test/support/servers.ts';
import { describeMachine } from './machine.ts';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '2000' },
    'detector-concurrency': { type: 'string', default: '2' },
    'inference-processes': { type: 'string', default: '1' },
  },
});
const total = Number(values.images);
const inferenceProcesses = Number(values['inference-processes']);
if (!Number.isInteger(inferenceProcesses) || inferenceProcesses < 1)
  throw new Error(
    `--inference-processes must be a whole number of at least 1, not ${values['inference-processes']}`,
  );
const devCorpus = path.resolve(import.meta.dirname, '../../shared/corpus/dev');
const sourceFiles = existsSync(devCorpus)
  ? ['clean', 'adv'].flatMap((dir) =>
      readdirSync(path.join(devCorpus, dir)).map((name) => path.join(devCorpus, dir, name)),
    )
  : readdirSync(path.resolve(import.meta.dirname, '../test/fixtures/photos'))
      .filter((name) => /\.(png|jpg)$/.test(name))
      .map((name) => path.resolve(import.meta.dirname, '../test/fixtures/photos', name));

const [s3, redis] = await Promise.all([startMinio().then((m) => m ?? startS3rver()), startRedis()]);
const env = {
  ADVSCREEN_S3_ENDPOINT: s3.server.endpoint,
  ADVSCREEN_S3_FORCE_PATH_STYLE: 'true',
  AWS_REGION: s3.server.region,
  AWS_ACCESS_KEY_ID: s3.server.accessKeyId,
  AWS_SECRET_ACCESS_KEY: s3.server.secretAccessKey,
  AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
  AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
  ADVSCREEN_REDIS_URL: redis.server.url,
  ADVSCREEN_RESULTS: 's3://bench-results/outcomes',
  ADVSCREEN_QUARANTINE: 's3://bench-quarantine/held',
  ADVSCREEN_INGEST_PORT: '0',
  // Quiet unless asked (ADVSCREEN_LOG_LEVEL=warn shows rereads and retried jobs).
  ADVSCREEN_LOG_LEVEL: process.env.ADVSCREEN_LOG_LEVEL ?? 'error',
  ADVSCREEN_DETECTOR_CONCURRENCY: values['detector-concurrency'],
};
Object.assign(process.env, env);
const config = loadConfig();
const client = createS3Client({ ...config.s3 });
for (const bucket of ['bench-uploads', 'bench-results', 'bench-quarantine'])
  await client.send(new CreateBucketCommand({ Bucket: bucket }));

console.log(
  `bench:fleet  ${total} images from ${sourceFiles.length} distinct files, S3: ${s3.server.kind}, Redis: ${redis.server.kind}`,
);
console.log(`machine      ${describeMachine()}`);
let uploadedAt = performance.now();
for (let i = 0; i < total; i++) {
  const file = sourceFiles[i % sourceFiles.length] as string;
  const key = `batch/${Math.floor(i / sourceFiles.length)}/${path.basename(file)}`;
  await client.send(new PutObjectCommand({ Bucket: 'bench-uploads', Key: key, Body: readFileSync(file) }));
}
console.log(`upload       ${((performance.now() - uploadedAt) / 1000).toFixed(1)} s`);

const logger = createLogger({ name: 'bench-fleet', level: config.logLevel, pretty: false });
const roles: RunningRole[] = [];
const inferenceChildren = await Promise.all(
  Array.from({ length: inferenceProcesses - 1 }, () => startInferenceProcess()),
);
for (const role of ['monitor', 'inference', 'detector', 'ingest'] as const)
  roles.push(await startRole(role, config, logger));
const connection = createRedisConnection(config.fleet.redisUrl);
const queues = createFleetQueues(connection);
const stats = new DailyStats(connection);
const outcomes = async () => {
  const counts = await stats.read(utcDay(Date.now()));
  return ['clean', 'adversarial', 'rejected'].reduce((sum, verdict) => sum + (counts[verdict] ?? 0), 0);
};
const started = performance.now();
await enqueuePrefix({
  store: storesByBucket(client)('bench-uploads'),
  bucket: 'bench-uploads',
  prefix: 'batch/',
  queues,
  via: 'enqueue',
});
for (;;) {
  const done = await outcomes();
  if (done >= total) break;
  if (performance.now() - started > 20 * 60_000)
    throw new Error(`only ${done} of ${total} outcomes after 20 minutes`);
  await new Promise((resolve) => setTimeout(resolve, 200));
}
const fleetSeconds = (performance.now() - started) / 1000;
const byVerdict = await stats.read(utcDay(Date.now()));
console.log(
  `fleet        ${total} objects in ${fleetSeconds.toFixed(1)} s = ${(total / fleetSeconds).toFixed(1)} images/s ` +
    `(clean ${byVerdict.clean ?? 0} with inference, adversarial ${byVerdict.adversarial ?? 0}, rejected ${byVerdict.rejected ?? 0}; ` +
    `all roles in one process${inferenceProcesses > 1 ? ` and ${inferenceProcesses - 1} more inference processes` : ''}, ` +
    `detector threads ${config.fleet.detectorConcurrency})`,
);
if ((byVerdict.rejected ?? 0) > 0) {
  // A rejection here is the fleet failing on a good image (every source file screens cleanly
  // in the embedded scan below), so say why rather than only count it.
  const results = new S3Store({ bucket: 'bench-results', client });
  const reasons = new Map<string, number>();
  for await (const info of results.list('outcomes/')) {
    const outcome = JSON.parse((await results.read(info.key, 1 << 20)).toString('utf8')) as {
      verdict: string;
      stage?: string;
      reason?: string;
      detail?: string;
    };
    if (outcome.verdict !== 'rejected') continue;
    const why = `${outcome.stage ?? '-'} ${outcome.reason ?? '-'}: ${(outcome.detail ?? '').slice(0, 160)}`;
    reasons.set(why, (reasons.get(why) ?? 0) + 1);
  }
  for (const [why, count] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 8))
    console.log(`rejected     ${count} x ${why}`);
}
for (const role of roles.reverse()) await role.close();
await Promise.all(
  inferenceChildren.map((child) => {
    child.kill('SIGTERM');
    return child.exitCode === null ? once(child, 'exit') : undefined;
  }),
);
await queues.close();
connection.disconnect();

uploadedAt = performance.now();
const summary = await scanLocation({
  source: { store: new S3Store({ bucket: 'bench-uploads', client }), prefix: 'batch/' },
  scorer: createResidualScorer(loadDetectorModel()),
  limits: config.decode,
  concurrency: 4,
  onRecord: () => {},
});
const scanSeconds = summary.elapsedMs / 1000;
console.log(
  `embedded     ${summary.total} objects in ${scanSeconds.toFixed(1)} s = ${(summary.total / scanSeconds).toFixed(1)} images/s (scan of the same bucket; detector only, no inference)`,
);
client.destroy();
await Promise.all([s3.stop(), redis.stop()]);

/** An inference role in a child process, resolved once it has logged (on stderr) that it started. */
async function startInferenceProcess(): Promise<ChildProcess> {
  const main = path.resolve(import.meta.dirname, '../apps/inference/src/main.ts');
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, ADVSCREEN_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      // Past the start, only warnings and errors are worth showing.
      for (const line of output.split('\n').slice(0, -1)) {
        if (line.includes('inference role started')) resolve(child);
        else if (/"level":(40|50|60)/.test(line)) console.error(line);
      }
      output = output.slice(output.lastIndexOf('\n') + 1);
    });
    child.once('exit', (code) =>
      reject(new Error(`an inference process exited with ${code} before it started`)),
    );
  });
}
