import { createHash } from 'node:crypto';
import {
  type DetectJob,
  InferJob,
  objectJobId,
  type Verdict,
  type VerdictRecord,
} from '@advscreen/contracts';
import type { Scorer } from '@advscreen/detection';
import type { DecodeLimits } from '@advscreen/imaging';
import { detectorStageLayer, quarantineImage, screenObject } from '@advscreen/pipeline';
import { type QueryHistory, reviewUpload } from '@advscreen/query-history';
import { joinKey, ObjectChangedError, type ObjectStore } from '@advscreen/storage';
import type { DetectionCache } from '../detection-cache.ts';
import { type OnReread, readQueuedVersion } from '../queued-version.ts';
import type { FleetQueues } from '../queues.ts';
import { UNATTRIBUTED } from './ingest.ts';
import { type OutcomeWriter, verdictEvent } from './outcome-records.ts';

export interface DetectDependencies {
  storeFor: (bucket: string) => ObjectStore;
  scorer: Scorer;
  limits: DecodeLimits;
  quarantine: { store: ObjectStore; prefix: string };
  outcomes: OutcomeWriter;
  queues: Pick<FleetQueues, 'infer' | 'events'>;
  cache: DetectionCache;
  /** Per-source near-duplicate detection of query attacks; null when switched off. */
  queryHistory: QueryHistory | null;
  /** Told when a read did not give the queued version's bytes and was made again. */
  onReread?: OnReread;
}

/**
 * Rejections that say something about the bytes alone (not about reading or decoding them this
 * time, nor about the key) can be reused. Not `corrupt`: it is also what an unrecognised decoder
 * failure becomes (memory pressure on a busy host), and one such failure would otherwise reject
 * every copy for 7 days. Not `unsupported_format` or `disguised_format`: the same SVG is one or
 * the other by the name or media type it was uploaded under.
 */
const CACHEABLE_REJECTIONS = new Set(['empty', 'not_an_image', 'too_many_pixels']);

/** What one detect job decided, for the role's own metrics (its job's return value). */
export interface DetectSummary {
  /** `superseded`: the key holds a newer version by now, screened by its own job; nothing written. */
  verdict: Verdict | 'superseded';
  /** The verdict of identical bytes reused (nothing decoded or scored). */
  reused: boolean;
  /** Per step, when the bytes were screened here. */
  timings: { readMs: number; decodeMs: number; scoreMs: number } | null;
}

/**
 * The detector stage: the embedded scan's per-image stage (`screenObject`), then routing.
 * Clean images go on to inference; adversarial ones are copied to quarantine (under
 * `<prefix>/<bucket>/<key>`, so a retry overwrites its own copy) and rejected ones get their
 * record. Every write is keyed by the object, so running the job twice changes nothing.
 */
export async function detectObject(job: DetectJob, deps: DetectDependencies): Promise<DetectSummary> {
  try {
    return await screenAndRoute(job, deps);
  } catch (error) {
    if (error instanceof ObjectChangedError) return { verdict: 'superseded', reused: false, timings: null };
    throw error;
  }
}

async function screenAndRoute(job: DetectJob, deps: DetectDependencies): Promise<DetectSummary> {
  const { object, source } = job;
  const store = deps.storeFor(object.bucket);
  // Read first: a verdict is reused only for the very bytes it was made on, named by their
  // SHA-256. An ETag names them by MD5, and an attacker can give an adversarial image the MD5 of
  // a clean one already screened (a collision takes seconds), which would be served its verdict.
  let read: Buffer | null = null;
  let readFailure: unknown = null;
  const readStarted = performance.now();
  try {
    read = (await readQueuedVersion(store, object, deps.limits.maxBytes, deps.onReread)).bytes;
  } catch (error) {
    if (error instanceof ObjectChangedError) throw error;
    readFailure = error; // the per-image stage records it (too large, gone) or throws it
  }
  const readMs = performance.now() - readStarted;
  const contentId = read ? createHash('sha256').update(read).digest('hex') : null;
  const cached = contentId ? await deps.cache.get(contentId) : null;
  let record: VerdictRecord;
  let bytes: Buffer | null;
  if (cached) {
    record = { ...cached, key: object.key, ms: 0, timings: undefined, detail: cached.detail };
    bytes = read;
  } else {
    const screened = await screenObject(
      {
        store: {
          read: async () => {
            if (read === null) throw readFailure;
            return read;
          },
        },
        scorer: deps.scorer,
        limits: deps.limits,
      },
      object.key,
      job.contentType,
    );
    ({ record, bytes } = screened);
    // The stage was handed bytes already read: the read's time is this one.
    record = {
      ...record,
      ms: record.ms + readMs,
      ...(record.timings ? { timings: { ...record.timings, readMs } } : {}),
    };
    const cacheable = record.verdict !== 'rejected' || CACHEABLE_REJECTIONS.has(record.reason ?? '');
    if (contentId && cacheable && bytes) await deps.cache.set(contentId, record);
    // After the cache: whether an upload repeats its sender's queries depends on the history, not
    // the bytes. Unattributed uploads would share one history across everyone, so they are skipped.
    if (deps.queryHistory && screened.analysis && source !== UNATTRIBUTED) {
      record = await reviewUpload(deps.queryHistory, source, record, {
        content: contentId ?? object.etag,
        atMs: Date.now(),
        image: screened.analysis,
      });
    }
  }
  const duplicateOfContent = cached !== null;
  const summary = { verdict: record.verdict, reused: duplicateOfContent, timings: record.timings ?? null };
  if (record.verdict === 'clean') {
    const infer = InferJob.parse({
      ...job,
      duplicateOfContent,
      nearDuplicates: record.nearDuplicates,
      detector: {
        name: record.detector,
        score: record.score,
        threshold: record.threshold,
        signals: record.signals,
      },
    });
    await deps.queues.infer.add('infer', infer, { jobId: objectJobId('infer', object) });
    return summary;
  }
  let quarantineKey: string | null = null;
  if (record.verdict === 'adversarial' && bytes) {
    quarantineKey = await quarantineImage(
      { store: deps.quarantine.store, prefix: joinKey(deps.quarantine.prefix, object.bucket) },
      bytes,
      record,
      { sourceLocation: `s3://${object.bucket}`, sender: source },
    );
  }
  const layer = detectorStageLayer(record);
  await deps.outcomes.write(object, {
    ...record,
    layer,
    duplicateOfContent,
    source,
    stage: 'detector',
    quarantineKey,
  });
  await deps.queues.events.add('verdict', verdictEvent(object, source, 'detector', { ...record, layer }), {
    jobId: objectJobId('event', object),
  });
  return summary;
}
