import { createHash } from 'node:crypto';
import type { Layer, VerdictRecord } from '@advscreen/contracts';
import type { Scorer } from '@advscreen/detection';
import { type DecodeLimits, decodeImage } from '@advscreen/imaging';
import { type QueryHistory, reviewUpload } from '@advscreen/query-history';
import type { ObjectStore } from '@advscreen/storage';
import { applyModelVerdict, detectorReading, type ModelStage } from './model-stage.ts';
import { type QuarantineTarget, quarantineImage } from './quarantine.ts';
import { detectorStageLayer } from './route-verdict.ts';
import { rejectedRecord, screenObject } from './screen-object.ts';

export interface ScanOptions {
  source: { store: ObjectStore; prefix: string };
  scorer: Scorer;
  limits: DecodeLimits;
  quarantine?: QuarantineTarget | undefined;
  /** The main model and its checks, run on images the detector passes (`scan --model`). */
  model?: ModelStage | undefined;
  /**
   * Per-sender query history (docs/query-history.md): senders named by their keys; keys with
   * no sender are not tracked.
   */
  queryHistory?: { history: QueryHistory; senderOf: (key: string) => string | null } | undefined;
  /** Objects in flight at once; decoding runs on libuv's thread pool, scoring on this thread. */
  concurrency: number;
  onRecord: (record: VerdictRecord) => Promise<void> | void;
  /** Keys not to screen: the scan's own outputs inside the scanned location (ownOutputKeys). */
  exclude?: (key: string) => boolean;
  /** Called once the listing is complete (objects are screened meanwhile), with how many it found to screen. */
  onListed?: (total: number) => void;
  signal?: AbortSignal;
}

export interface ScanSummary {
  /** Objects screened: every one listed, unless the scan was interrupted. */
  total: number;
  counts: Record<VerdictRecord['verdict'], number>;
  /** Adversarial verdicts by the check that decided them (`layer`). */
  adversarialByLayer: Partial<Record<Layer, number>>;
  /** Rejections by reason code. */
  rejectedReasons: Record<string, number>;
  quarantined: number;
  quarantineFailures: number;
  elapsedMs: number;
  /** Slowest inputs, slowest first. */
  slowest: Array<{ key: string; ms: number }>;
  aborted: boolean;
}

const SLOWEST_KEPT = 5;

/**
 * The embedded driver: screens every object under a prefix in-process, with bounded
 * concurrency, and reports each input exactly once. An object that cannot be read even after
 * the S3 client's own retries is recorded as `rejected`/`read_failed` rather than dropped.
 */
export async function scanLocation(options: ScanOptions): Promise<ScanSummary> {
  const started = performance.now();
  // Screened while it is listed: a bucket of millions starts at once and holds no key list.
  const listing = (async function* () {
    for await (const object of options.source.store.list(options.source.prefix))
      if (!options.exclude?.(object.key)) yield object.key;
  })();
  let listed = 0;
  let listingDone = false;
  const nextKey = async (): Promise<string | null> => {
    const { value, done } = await listing.next();
    if (!done) {
      listed++;
      return value;
    }
    if (!listingDone) options.onListed?.(listed);
    listingDone = true;
    return null;
  };

  const summary: ScanSummary = {
    total: 0,
    counts: { clean: 0, adversarial: 0, rejected: 0 },
    adversarialByLayer: {},
    rejectedReasons: {},
    quarantined: 0,
    quarantineFailures: 0,
    elapsedMs: 0,
    slowest: [],
    aborted: false,
  };
  const deps = { store: options.source.store, scorer: options.scorer, limits: options.limits };

  const screenOne = async (key: string): Promise<VerdictRecord> => {
    const t0 = performance.now();
    let outcome: Awaited<ReturnType<typeof screenObject>>;
    try {
      outcome = await screenObject(deps, key);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      const ms = performance.now() - t0;
      return rejectedRecord(
        key,
        { reason: 'read_failed', detail },
        { scorer: options.scorer, bytes: null, ms },
      );
    }
    let { record } = outcome;
    const { bytes, analysis } = outcome;
    const sender = options.queryHistory?.senderOf(key);
    if (options.queryHistory && sender && analysis && bytes) {
      record = await reviewUpload(options.queryHistory.history, sender, record, {
        content: createHash('sha256').update(bytes).digest('hex'),
        atMs: Date.now(),
        image: analysis,
      });
    }
    if (options.model) {
      if (record.verdict === 'clean' && analysis && bytes) {
        const started = performance.now();
        try {
          const modelInput =
            analysis.width === options.model.inputSize
              ? analysis
              : (await decodeImage(bytes, { ...options.limits, analysisSize: options.model.inputSize }))
                  .analysis;
          record = applyModelVerdict(
            record,
            await options.model.inspect(modelInput, detectorReading(record.detector, record)),
          );
          record.ms += performance.now() - started;
        } catch (error) {
          const detail = `model stage failed: ${error instanceof Error ? error.message : String(error)}`;
          const ms = record.ms + performance.now() - started;
          return rejectedRecord(
            key,
            { reason: 'processing_failed', detail },
            { scorer: options.scorer, bytes: record.bytes, ms },
          );
        }
      } else {
        record = {
          ...record,
          layer: detectorStageLayer(record),
          consistency: null,
          prediction: null,
        };
      }
    }
    if (record.verdict === 'adversarial' && options.quarantine && bytes) {
      try {
        await quarantineImage(options.quarantine, bytes, record, {
          sourceLocation: options.source.store.location,
        });
        summary.quarantined++;
      } catch (error) {
        // The verdict stands; only the copy is missing, and the record says so.
        summary.quarantineFailures++;
        record.detail = `quarantine copy failed: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
    return record;
  };

  const lane = async () => {
    while (!options.signal?.aborted) {
      const key = await nextKey();
      if (key === null) return;
      const record = await screenOne(key);
      summary.total++;
      summary.counts[record.verdict]++;
      const layer = detectorStageLayer(record);
      if (layer) summary.adversarialByLayer[layer] = (summary.adversarialByLayer[layer] ?? 0) + 1;
      if (record.reason)
        summary.rejectedReasons[record.reason] = (summary.rejectedReasons[record.reason] ?? 0) + 1;
      noteSlowest(summary.slowest, record);
      await options.onRecord(record);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, lane));
  } finally {
    await listing.return(undefined);
  }
  summary.aborted = options.signal?.aborted ?? false;
  summary.elapsedMs = performance.now() - started;
  return summary;
}

function noteSlowest(slowest: Array<{ key: string; ms: number }>, record: VerdictRecord): void {
  if (slowest.length < SLOWEST_KEPT || record.ms > (slowest.at(-1)?.ms ?? 0)) {
    slowest.push({ key: record.key, ms: record.ms });
    slowest.sort((a, b) => b.ms - a.ms);
    slowest.length = Math.min(slowest.length, SLOWEST_KEPT);
  }
}
