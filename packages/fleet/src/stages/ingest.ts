import { DetectJob, type IngestJob, type ObjectRef, objectJobId } from '@advscreen/contracts';
import { joinKey, ObjectNotFoundError, type ObjectStore, UnsafeKeyError } from '@advscreen/storage';
import type { FleetQueues } from '../queues.ts';
import { type OutcomeWriter, recordRejection } from './outcome-records.ts';

export interface Attribution {
  /** User-metadata name holding the sender, e.g. `source` for `x-amz-meta-source`. */
  metadataKey: string;
  /** Regular expression with a named group `source`, matched against the key. */
  keyPattern: RegExp | undefined;
}

export interface IngestDependencies {
  storeFor: (bucket: string) => ObjectStore;
  /** The fleet's own writes (quarantine copies, outcome records): never screened (fleetOutputs). */
  isFleetOutput: (object: ObjectRef) => boolean;
  queues: Pick<FleetQueues, 'detect' | 'events'>;
  outcomes: OutcomeWriter;
  maxBytes: number;
  attribution: Attribution;
}

/**
 * Whether an object is one the fleet wrote: a quarantine copy or an outcome record of an object
 * from the bucket it sits in (`<prefix>/<bucket>/...` of the quarantine and results locations).
 * Where those share the uploads bucket, a poller or an unfiltered notification announces them
 * too; screened, each quarantined copy was copied again one level deeper, without end.
 */
export function fleetOutputs(
  locations: readonly { bucket: string; prefix: string }[],
): (object: ObjectRef) => boolean {
  const under = locations.map(({ bucket, prefix }) => ({ bucket, start: `${joinKey(prefix, bucket)}/` }));
  return (object) =>
    under.some(({ bucket, start }) => object.bucket === bucket && object.key.startsWith(start));
}

/** The source of uploads nobody could attribute. */
export const UNATTRIBUTED = 'unknown';

/** The sender of an object: its metadata first, then the key pattern, else `unknown`. */
export function attributeSource(
  key: string,
  metadata: Record<string, string>,
  attribution: Attribution,
): string {
  const fromMetadata = metadata[attribution.metadataKey];
  if (fromMetadata) return fromMetadata.slice(0, 128);
  const fromKey = attribution.keyPattern?.exec(key)?.groups?.source;
  return fromKey ? fromKey.slice(0, 128) : UNATTRIBUTED;
}

/** S3 returns ETags in quotes; job ids and records use the bare value. */
export function normaliseEtag(etag: string | undefined | null): string | null {
  return etag ? etag.replace(/^"|"$/g, '') : null;
}

/**
 * Validates one object and hands it to the detectors: HEAD (existence, size, ETag, metadata),
 * attribution, then a detect job whose id is derived from bucket, key and ETag, so the same
 * object version is screened once however often it is announced.
 */
export async function ingestObject(
  job: IngestJob,
  deps: IngestDependencies,
): Promise<'queued' | 'rejected' | 'fleet_output' | 'folder_marker'> {
  if (deps.isFleetOutput(job.object)) return 'fleet_output';
  // A console's "folder" (an empty object whose key ends in /) is announced like an upload; a
  // listing passes over it, and so does ingest: it is no image, and no sender sent it.
  if (job.object.key.endsWith('/')) return 'folder_marker';
  const { bucket, key } = job.object;
  const store = deps.storeFor(bucket);
  let head: Awaited<ReturnType<ObjectStore['head']>>;
  try {
    head = await store.head(key);
  } catch (error) {
    // A key the stores refuse (a backslash, a '..' segment): no retry reads it, so record that now.
    if (error instanceof UnsafeKeyError) {
      await reject(deps, { ...job.object }, UNATTRIBUTED, 'unsafe_key', error.message);
      return 'rejected';
    }
    if (!(error instanceof ObjectNotFoundError)) throw error;
    // Deleted between the announcement and now: record it so the key has an outcome.
    await reject(deps, { ...job.object }, UNATTRIBUTED, 'read_failed', error.message);
    return 'rejected';
  }
  const object = { bucket, key, etag: normaliseEtag(head.etag) ?? job.object.etag ?? 'none' };
  const source = attributeSource(key, head.metadata, deps.attribution);
  if (head.size === 0) {
    await reject(deps, object, source, 'empty', 'the object is empty');
    return 'rejected';
  }
  if (head.size > deps.maxBytes) {
    await reject(
      deps,
      object,
      source,
      'too_large',
      `${head.size} bytes is over the ${deps.maxBytes}-byte limit`,
    );
    return 'rejected';
  }
  const detect = DetectJob.parse({
    v: 1,
    object,
    size: head.size,
    contentType: head.contentType ?? null,
    source,
    receivedAt: job.receivedAt,
  });
  await deps.queues.detect.add('detect', detect, { jobId: objectJobId('detect', object) });
  return 'queued';
}

async function reject(
  deps: IngestDependencies,
  object: IngestJob['object'],
  source: string,
  reason: 'empty' | 'too_large' | 'read_failed' | 'unsafe_key',
  detail: string,
): Promise<void> {
  await recordRejection(deps, object, source, 'ingest', { reason, detail });
}
