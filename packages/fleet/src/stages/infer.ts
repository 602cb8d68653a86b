import { type InferJob, objectJobId } from '@advscreen/contracts';
import { type DecodeLimits, decodeImage, RejectedInputError } from '@advscreen/imaging';
import type { Classifier } from '@advscreen/inference';
import type { ObjectStore } from '@advscreen/storage';
import type { FleetQueues } from '../queues.ts';
import { type OutcomeWriter, verdictEvent } from './outcome-records.ts';

export interface InferDependencies {
  storeFor: (bucket: string) => ObjectStore;
  classifier: Classifier;
  limits: DecodeLimits;
  outcomes: OutcomeWriter;
  queues: Pick<FleetQueues, 'events'>;
}

/** Runs the main model on a clean image and writes its result record. */
export async function inferObject(job: InferJob, deps: InferDependencies): Promise<void> {
  const { object, source } = job;
  const started = performance.now();
  const bytes = await deps.storeFor(object.bucket).read(object.key, deps.limits.maxBytes);
  const spec = deps.classifier.spec;
  let decoded: Awaited<ReturnType<typeof decodeImage>>;
  try {
    decoded = await decodeImage(bytes, { ...deps.limits, analysisSize: spec.input.size });
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
  const [prediction] = await deps.classifier.classify([decoded.analysis]);
  const record = { verdict: 'clean' as const, score: job.detector.score, reason: undefined };
  await deps.outcomes.write(object, {
    verdict: 'clean',
    source,
    stage: 'inference',
    model: { id: spec.id, version: spec.version },
    prediction,
    detector: job.detector,
    timings: { decodeMs: decodedAt - started, inferMs: performance.now() - decodedAt },
  });
  await deps.queues.events.add('verdict', verdictEvent(object, source, 'inference', record), {
    jobId: objectJobId('event', object),
  });
}
