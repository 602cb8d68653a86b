import {
  type ObjectRef,
  objectJobId,
  type RejectReason,
  type VerdictEvent,
  type VerdictRecord,
} from '@advscreen/contracts';
import { joinKey, type ObjectStore, storableKey } from '@advscreen/storage';
import type { FleetQueues } from '../queues.ts';

/**
 * The one outcome record per object version: `<prefix>/<bucket>/<key>.json` in the results
 * location (`<prefix>/<bucket>/~<sha256 of key>.json` for a key that cannot be filed as it is:
 * storableKey). Its key depends only on the object, so a retried job overwrites rather than adds.
 */
export interface OutcomeWriter {
  write(
    object: ObjectRef,
    outcome: Record<string, unknown> & { verdict: VerdictRecord['verdict'] },
  ): Promise<string>;
}

export function createOutcomeWriter(store: ObjectStore, prefix: string): OutcomeWriter {
  return {
    async write(object, outcome) {
      const key = storableKey(joinKey(prefix, object.bucket), object.key, '.json');
      const body = { object, ...outcome, writtenAt: new Date().toISOString() };
      await store.put(key, Buffer.from(`${JSON.stringify(body, null, 2)}\n`), {
        contentType: 'application/json',
      });
      return key;
    },
  };
}

export function verdictEvent(
  object: ObjectRef,
  source: string,
  stage: VerdictEvent['stage'],
  record: Pick<VerdictRecord, 'verdict' | 'score' | 'reason' | 'layer'>,
): VerdictEvent {
  return {
    v: 1,
    object,
    source,
    verdict: record.verdict,
    stage,
    score: record.score,
    ...(record.reason ? { reason: record.reason } : {}),
    ...(record.verdict === 'adversarial' && record.layer ? { layer: record.layer } : {}),
    at: new Date().toISOString(),
  };
}

/** A rejected object's outcome record and its event for the monitor. */
export async function recordRejection(
  deps: { outcomes: OutcomeWriter; queues: Pick<FleetQueues, 'events'> },
  object: ObjectRef,
  source: string,
  stage: VerdictEvent['stage'],
  rejection: { reason: RejectReason; detail: string },
): Promise<void> {
  const record = { verdict: 'rejected' as const, score: null, reason: rejection.reason };
  await deps.outcomes.write(object, { ...record, detail: rejection.detail, source, stage });
  await deps.queues.events.add('verdict', verdictEvent(object, source, stage, record), {
    jobId: objectJobId('event', object),
  });
}
