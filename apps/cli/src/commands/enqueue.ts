import { loadConfig } from '@advscreen/config';
import { createFleetQueues, enqueuePrefix, openCommandConnection } from '@advscreen/fleet';
import { createS3Client } from '@advscreen/storage';
import { checkedLocation } from '../locations.ts';
import { UsageError } from '../usage-error.ts';

/** `advscreen enqueue s3://bucket/prefix`: queue every object of a prefix for the fleet, once. */
export async function runEnqueueCommand(argv: string[]): Promise<number> {
  const onePrefix = 'enqueue takes one s3://bucket/prefix';
  const uri = argv.length === 1 ? argv[0] : undefined;
  if (uri === undefined) throw new UsageError(onePrefix);
  const config = loadConfig();
  const s3 = createS3Client(config.s3);
  try {
    const { store, prefix, bucket } = await checkedLocation(uri, () => s3);
    if (bucket === undefined) throw new UsageError(onePrefix);
    const redis = await openCommandConnection(config.fleet.redisUrl);
    const queues = createFleetQueues(redis);
    const progress = process.stderr.isTTY ? (n: number) => process.stderr.write(`\rqueued ${n}`) : undefined;
    try {
      const count = await enqueuePrefix({
        store,
        bucket,
        prefix,
        queues,
        via: 'enqueue',
        onProgress: progress,
      });
      if (progress) process.stderr.write('\n');
      process.stdout.write(`${JSON.stringify({ source: uri, ...count })}\n`);
      return 0;
    } finally {
      await queues.close();
      redis.disconnect();
    }
  } finally {
    s3.destroy();
  }
}
