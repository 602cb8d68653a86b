export {
  FINGERPRINT_BYTES,
  fingerprintDistance,
  isPlain,
  PLAIN_SPREAD,
  queryFingerprint,
} from './fingerprint.ts';
export {
  applyQueryFinding,
  createMemoryQueryHistoryStore,
  createQueryHistory,
  findNeighbours,
  type QueryEntry,
  type QueryFinding,
  type QueryHistory,
  type QueryHistoryRule,
  type QueryHistoryStore,
  reviewUpload,
} from './query-history.ts';
export { createRedisQueryHistoryStore } from './redis-query-history.ts';
