import { type InferJob, objectJobId, type VerdictRecord } from '@advscreen/contracts';
import { type DecodeLimits, decodeImage, RejectedInputError } from '@advscreen/imaging';
import { detectorReading, joinKey, type ModelStage, quarantineImage } from '@advscreen/pipeline';
import type { ObjectStore } from '@advscreen/storage';
import type { FleetQueues } from '../queues.ts';
import { type OutcomeWriter, verdictEvent } from './outcome-records.ts';

export interface InferDependencies {
  storeFor: (bucket: string) => ObjectStore;
  /** The main model with its consistency and sanity checks, micro-batched across jobs. */
  model: ModelStage & { modelName: string };
  limits: DecodeLimits;
  quarantine: { store: ObjectStore; prefix: string };
  outcomes: OutcomeWriter;
  queues: Pick<FleetQueues, 'events'>;
}

/**
 * Runs the main model and its checks on an image the detector passed. A failed check
 * quarantines the image with the layer and reason; otherwise the result record holds the
 * model's outputs, the check scores and timings.
 */
export async function inferObject(job: InferJob, deps: InferDependencies): Promise<void> {
  const { object, source } = job;
  const started = performance.now();
  const bytes = await deps.storeFor(object.bucket).read(object.key, deps.limits.maxBytes);
  let decoded: Awaited<ReturnType<typeof decodeImage>>;
  try {
    decoded = await decodeImage(bytes, { ...deps.limits, analysisSize: deps.model.inputSize });
  } catch (error) {
    // The detector decoded the same bytes; a failure here means the object changed under us.
    if (!(error instanceof RejectedInputError)) throw error;
    const record = { verdict: 'rejected' as const, score: null, reason: error.reason };
    await deps.outcomes.write(object, { ...record, detail: error.message, source, stage: 'inference' });
    await deps.queues.events.add('verdict', verdictEvent(object, source, 'inference', record), {
      jobId: objectJobId('event', object),
    });
    return;
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
