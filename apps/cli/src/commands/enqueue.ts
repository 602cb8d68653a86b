import { loadConfig } from '@advscreen/config';
import { readS3Location } from '@advscreen/contracts';
import { createFleetQueues, enqueuePrefix, openCommandConnection } from '@advscreen/fleet';
import { createS3Client, probeBucket, S3Store } from '@advscreen/storage';
import { UsageError } from '../usage-error.ts';

/** `advscreen enqueue s3://bucket/prefix`: queue every object of a prefix for the fleet, once. */
export async function runEnqueueCommand(argv: string[]): Promise<number> {
  const location = argv.length === 1 && argv[0] ? readS3Location(argv[0]) : undefined;
  if (!location) throw new UsageError('enqueue takes one s3://bucket/prefix');
  const config = loadConfig();
  const { bucket, prefix } = location;
  const s3 = createS3Client(config.s3);
  if ((await probeBucket(s3, bucket)).state === 'missing') {
    s3.destroy();
    throw new UsageError(`s3://${bucket} does not exist`);
  }
  const redis = await openCommandConnection(config.fleet.redisUrl);
  const queues = createFleetQueues(redis);
  const progress = process.stderr.isTTY ? (n: number) => process.stderr.write(`\rqueued ${n}`) : undefined;
  try {
    const queued = await enqueuePrefix({
      store: new S3Store({ bucket, client: s3 }),
      bucket,
      prefix,
      queues,
      via: 'enqueue',
      onProgress: progress,
    });
    if (progress) process.stderr.write('\n');
    process.stdout.write(`${JSON.stringify({ source: argv[0], queued })}\n`);
    return 0;
  } finally {
    await queues.close();
    redis.disconnect();
    s3.destroy();
  }
}
