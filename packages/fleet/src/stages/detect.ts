import { type DetectJob, InferJob, objectJobId } from '@advscreen/contracts';
import type { Scorer } from '@advscreen/detection';
import type { DecodeLimits } from '@advscreen/imaging';
import { joinKey, quarantineImage, screenObject } from '@advscreen/pipeline';
import type { ObjectStore } from '@advscreen/storage';
import type { FleetQueues } from '../queues.ts';
import { type OutcomeWriter, verdictEvent } from './outcome-records.ts';

export interface DetectDependencies {
  storeFor: (bucket: string) => ObjectStore;
  scorer: Scorer;
  limits: DecodeLimits;
  quarantine: { store: ObjectStore; prefix: string };
  outcomes: OutcomeWriter;
  queues: Pick<FleetQueues, 'infer' | 'events'>;
}

/**
 * The detector stage: the embedded scan's per-image stage (`screenObject`), then routing.
 * Clean images go on to inference; adversarial ones are copied to quarantine (under
 * `<prefix>/<bucket>/<key>`, so a retry overwrites its own copy) and rejected ones get their
 * record. Every write is keyed by the object, so running the job twice changes nothing.
 */
export async function detectObject(job: DetectJob, deps: DetectDependencies): Promise<void> {
  const { object, source } = job;
  const { record, bytes } = await screenObject(
    { store: deps.storeFor(object.bucket), scorer: deps.scorer, limits: deps.limits },
    object.key,
  );
  if (record.verdict === 'clean') {
    const infer = InferJob.parse({
      ...job,
      detector: {
        name: record.detector,
        score: record.score,
        threshold: record.threshold,
        signals: record.signals,
      },
    });
    await deps.queues.infer.add('infer', infer, { jobId: objectJobId('infer', object) });
    return;
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
  await deps.outcomes.write(object, {
    ...record,
    layer: record.verdict === 'adversarial' ? 'detector' : null,
    source,
    stage: 'detector',
    quarantineKey,
  });
  await deps.queues.events.add('verdict', verdictEvent(object, source, 'detector', record), {
    jobId: objectJobId('event', object),
  });
}
