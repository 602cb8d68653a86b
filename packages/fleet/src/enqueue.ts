import { type IngestJob, objectJobId } from '@advscreen/contracts';
import type { ObjectStore } from '@advscreen/storage';
import type { PolledVersions } from './polled-versions.ts';
import type { FleetQueues } from './queues.ts';
import { normaliseEtag } from './stages/ingest.ts';

/**
 * Queues every object under a prefix for ingest, page by page. Job ids come from bucket, key
 * and ETag, so running it twice (or alongside the poller) queues each object version once while
 * its jobs are kept; with `polled`, the poller's, a version it handed on before is skipped for
 * good. Returns how many objects were queued.
 */
export async function enqueuePrefix(options: {
  store: ObjectStore;
  bucket: string;
  prefix: string;
  queues: Pick<FleetQueues, 'ingest'>;
  via: IngestJob['via'];
  onProgress?: (queued: number) => void;
  batchSize?: number;
  polled?: PolledVersions;
}): Promise<number> {
  const batchSize = options.batchSize ?? 500;
  let batch: { name: string; data: IngestJob; opts: { jobId: string } }[] = [];
  let queued = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const objects = batch.map((job) => job.data.object);
    const unseen = options.polled ? new Set(await options.polled.unseen(objects)) : undefined;
    const jobs = unseen ? batch.filter((job) => unseen.has(job.data.object)) : batch;
    batch = [];
    if (jobs.length === 0) return;
    await options.queues.ingest.addBulk(jobs);
    // Remembered once queued: a poller stopped in between queues them again, which job ids absorb.
    await options.polled?.remember(jobs.map((job) => job.data.object));
    queued += jobs.length;
    options.onProgress?.(queued);
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
  return queued;
}
