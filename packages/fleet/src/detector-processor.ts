// BullMQ runs this file in a worker thread (useWorkerThreads), so decoding and scoring never
// block the thread that renews job locks: a busy detector's jobs are never reported stalled.
import { loadConfig } from '@advscreen/config';
import { DetectJob } from '@advscreen/contracts';
import {
  BUNDLED_DETECTOR_PATH,
  createResidualScorer,
  loadCalibration,
  loadDetectorModel,
} from '@advscreen/detection';
import { createLogger } from '@advscreen/observability';
import { createQueryHistory, createRedisQueryHistoryStore } from '@advscreen/query-history';
import type { Job } from 'bullmq';
import { createRedisDetectionCache, detectionCacheNamespace } from './detection-cache.ts';
import { openRoleContext, requireSetting } from './role-context.ts';
import { type DetectDependencies, type DetectSummary, detectObject } from './stages/detect.ts';
import { parsePayload } from './validated-worker.ts';

let dependencies: DetectDependencies | undefined;

function buildDependencies(): DetectDependencies {
  const config = loadConfig();
  const context = openRoleContext(
    config,
    createLogger({ name: 'advscreen-detector-thread', level: config.logLevel }),
    'detector',
  );
  const quarantine = requireSetting(config.fleet.quarantine, 'ADVSCREEN_QUARANTINE', 'detector');
  const model = loadDetectorModel(config.fleet.detectorModel ?? BUNDLED_DETECTOR_PATH);
  const scorer = createResidualScorer(
    model,
    config.fleet.calibration ? loadCalibration(config.fleet.calibration) : undefined,
  );
  return {
    storeFor: context.storeFor,
    scorer,
    cache: createRedisDetectionCache(
      context.redis,
      detectionCacheNamespace(scorer, config.decode),
      config.fleet.detectionCacheDays,
    ),
    limits: config.decode,
    quarantine: { store: context.storeFor(quarantine.bucket), prefix: quarantine.prefix },
    outcomes: context.outcomes,
    queues: context.queues,
    onReread: (object, why) => context.logger.warn({ object }, why),
    queryHistory: config.fleet.queryHistory
      ? createQueryHistory(
          createRedisQueryHistoryStore(context.redis, config.fleet.queryHistory),
          config.fleet.queryHistory,
        )
      : null,
  };
}

/** The summary comes back to the role's main thread as the job's return value (its metrics). */
export default async function processDetectJob(job: Job): Promise<DetectSummary> {
  dependencies ??= buildDependencies();
  return detectObject(parsePayload(DetectJob, job.data, job.id), dependencies);
}
