export { createRedisDetectionCache } from './detection-cache.ts';
export { type EnqueueCount, enqueuePrefix } from './enqueue.ts';
export { decodeNotificationKey, objectsFromNotification, startNotificationServer } from './notifications.ts';
export { createRedisPolledVersions, type PolledVersions } from './polled-versions.ts';
export {
  createFleetQueues,
  createRedisConnection,
  type FleetQueues,
  JOB_OPTIONS,
  openCommandConnection,
} from './queues.ts';
export {
  isRetryableQueue,
  RETRYABLE_QUEUES,
  type RetryableQueue,
  retryFailedJobs,
} from './retry-failed.ts';
export { ROLES, type Role, type RunningRole, runRoleUntilSignalled, startRole } from './roles.ts';
export { attributeSource, ingestObject, normaliseEtag, UNATTRIBUTED } from './stages/ingest.ts';
export { monitorEvent } from './stages/monitor.ts';
export { storesByBucket } from './stores.ts';
