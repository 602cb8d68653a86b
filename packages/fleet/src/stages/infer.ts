import { type InferJob, objectJobId, type VerdictRecord } from '@advscreen/contracts';
import { type DecodeLimits, decodeImage, RejectedInputError } from '@advscreen/imaging';
import { detectorReading, type ModelStage, quarantineImage } from '@advscreen/pipeline';
import { joinKey, ObjectChangedError, ObjectNotFoundError, type ObjectStore } from '@advscreen/storage';
import { type OnReread, readQueuedVersion } from '../queued-version.ts';
import type { FleetQueues } from '../queues.ts';
import { type OutcomeWriter, recordRejection, verdictEvent } from './outcome-records.ts';

export interface InferDependencies {
  storeFor: (bucket: string) => ObjectStore;
  /** The main model with its consistency and sanity checks, micro-batched across jobs. */
  model: ModelStage & { modelName: string };
  limits: DecodeLimits;
  quarantine: { store: ObjectStore; prefix: string };
  outcomes: OutcomeWriter;
  queues: Pick<FleetQueues, 'events'>;
  /** Told when a read did not give the queued version's bytes and was made again. */
  onReread?: OnReread;
}

/**
 * Runs the main model and its checks on an image the detector passed. A failed check
 * quarantines the image with the layer and reason; otherwise the result record holds the
 * model's outputs, the check scores and timings.
 */
export async function inferObject(job: InferJob, deps: InferDependencies): Promise<void> {
  const { object, source } = job;
  const started = performance.now();
  let bytes: Buffer;
  try {
    ({ bytes } = await readQueuedVersion(
      deps.storeFor(object.bucket),
      object,
      deps.limits.maxBytes,
      deps.onReread,
    ));
  } catch (error) {
    // A newer version of the key has its own jobs and outcome; this one has nothing left to do.
    if (error instanceof ObjectChangedError) return;
    // Deleted since the detector passed it: no retry brings it back, so record that at once.
    if (error instanceof ObjectNotFoundError) {
      await recordRejection(deps, object, source, 'inference', {
        reason: 'read_failed',
        detail: error.message,
      });
      return;
    }
    throw error;
  }
  let decoded: Awaited<ReturnType<typeof decodeImage>>;
  try {
    decoded = await decodeImage(bytes, { ...deps.limits, analysisSize: deps.model.inputSize });
  } catch (error) {
    // The detector decoded this version's bytes, so this is the decoder failing (memory, threads),
    // not the image: the job retries, and a final failure is recorded as processing_failed.
    if (error instanceof RejectedInputError)
      throw new Error(`the detector decoded ${object.key}, inference could not: ${error.message}`);
    throw error;
  }
  const decodedAt = performance.now();
  const inspection = await deps.model.inspect(
    decoded.analysis,
    detectorReading(job.detector.name, job.detector),
  );
  const timings = { decodeMs: decodedAt - started, modelMs: performance.now() - decodedAt };
  const [modelId, modelVersion] = deps.model.modelName.split('@');
  const common = {
    source,
    stage: 'inference',
    model: { id: modelId, version: modelVersion },
    prediction: inspection.prediction,
    ...(inspection.detections ? { detections: inspection.detections } : {}),
    consistency: inspection.consistency,
    detector: job.detector,
    nearDuplicates: job.nearDuplicates,
    timings,
  };
  if (!inspection.failure) {
    await deps.outcomes.write(object, { verdict: 'clean', layer: null, ...common });
    const event = verdictEvent(object, source, 'inference', { verdict: 'clean', score: job.detector.score });
    await deps.queues.events.add('verdict', event, { jobId: objectJobId('event', object) });
    return;
  }
  const record: VerdictRecord = {
    key: object.key,
    verdict: 'adversarial',
    score: job.detector.score,
    threshold: job.detector.threshold,
    signals: job.detector.signals,
    detail: inspection.failure.reason,
    detector: job.detector.name,
    bytes: bytes.length,
    format: decoded.format,
    ms: performance.now() - started,
    layer: inspection.failure.layer,
    consistency: inspection.consistency,
    prediction: inspection.prediction,
    ...(inspection.detections ? { detections: inspection.detections } : {}),
  };
  const quarantineKey = await quarantineImage(
    { store: deps.quarantine.store, prefix: joinKey(deps.quarantine.prefix, object.bucket) },
    bytes,
    record,
    { sourceLocation: `s3://${object.bucket}`, sender: source },
  );
  await deps.outcomes.write(object, { ...common, ...record, quarantineKey });
  await deps.queues.events.add('verdict', verdictEvent(object, source, 'inference', record), {
    jobId: objectJobId('event', object),
  });
}
