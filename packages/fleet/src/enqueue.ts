import { type IngestJob, objectJobId } from '@advscreen/contracts';
import type { ObjectStore } from '@advscreen/storage';
import type { PolledVersions } from './polled-versions.ts';
import type { FleetQueues } from './queues.ts';
import { normaliseEtag } from './stages/ingest.ts';

/** What enqueuePrefix did: versions queued now, and versions the queue held already. */
export interface EnqueueCount {
  queued: number;
  /** Already queued, or done and kept (a day): their job ids absorb them. */
  alreadyQueued: number;
}

/** Which of these job ids the ingest queue holds (waiting, active, or done and kept): one round trip. */
async function heldJobIds(
  queues: Pick<FleetQueues, 'ingest' | 'connection'>,
  jobIds: readonly string[],
): Promise<Set<string>> {
  const pipeline = queues.connection.pipeline();
  for (const jobId of jobIds) pipeline.exists(queues.ingest.toKey(jobId));
  const replies = (await pipeline.exec()) ?? [];
  return new Set(jobIds.filter((_, i) => replies[i]?.[1] === 1));
}

/**
 * Queues every object under a prefix for ingest, page by page. Job ids come from bucket, key
 * and ETag, so running it twice (or alongside the poller) queues each object version once while
 * its jobs are kept (counted as `alreadyQueued`); with `polled`, the poller's, a version it
 * handed on before is skipped for good.
 */
export async function enqueuePrefix(options: {
  store: ObjectStore;
  bucket: string;
  prefix: string;
  queues: Pick<FleetQueues, 'ingest' | 'connection'>;
  via: IngestJob['via'];
  onProgress?: (queued: number) => void;
  batchSize?: number;
  polled?: PolledVersions;
}): Promise<EnqueueCount> {
  const batchSize = options.batchSize ?? 500;
  let batch: { name: string; data: IngestJob; opts: { jobId: string } }[] = [];
  const count: EnqueueCount = { queued: 0, alreadyQueued: 0 };
  const flush = async () => {
    if (batch.length === 0) return;
    const objects = batch.map((job) => job.data.object);
    const unseen = options.polled ? new Set(await options.polled.unseen(objects)) : undefined;
    const listed = unseen ? batch.filter((job) => unseen.has(job.data.object)) : batch;
    batch = [];
    if (listed.length === 0) return;
    const held = await heldJobIds(
      options.queues,
      listed.map((job) => job.opts.jobId),
    );
    const jobs = listed.filter((job) => !held.has(job.opts.jobId));
    if (jobs.length > 0) await options.queues.ingest.addBulk(jobs);
    // Remembered once queued: a poller stopped in between queues them again, which job ids absorb.
    await options.polled?.remember(listed.map((job) => job.data.object));
    count.queued += jobs.length;
    count.alreadyQueued += held.size;
    options.onProgress?.(count.queued);
  };
  const receivedAt = new Date().toISOString();
  for await (const info of options.store.list(options.prefix)) {
    const object = { bucket: options.bucket, key: info.key, etag: normaliseEtag(info.etag) };
    batch.push({
      name: 'ingest',
      data: { v: 1, object, via: options.via, receivedAt },
      opts: { jobId: objectJobId('ingest', object) },
    });
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  return count;
}
