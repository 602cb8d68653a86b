import type { Redis } from 'ioredis';
import { FINGERPRINT_BYTES } from './fingerprint.ts';
import {
  CONTENT_ID_BYTES,
  type QueryEntry,
  type QueryHistoryRule,
  type QueryHistoryStore,
} from './query-history.ts';

const TIME_BYTES = 8;
const ENTRY_BYTES = CONTENT_ID_BYTES + TIME_BYTES + FINGERPRINT_BYTES;

/** An entry as one list element: content id, time, fingerprint (80 bytes). */
function encode(entry: QueryEntry): Buffer {
  const buffer = Buffer.alloc(ENTRY_BYTES);
  buffer.write(entry.contentId, 0, CONTENT_ID_BYTES, 'hex');
  buffer.writeDoubleBE(entry.atMs, CONTENT_ID_BYTES);
  buffer.set(entry.fingerprint, CONTENT_ID_BYTES + TIME_BYTES);
  return buffer;
}

function decode(buffer: Buffer): QueryEntry | null {
  if (buffer.length !== ENTRY_BYTES) return null;
  return {
    contentId: buffer.subarray(0, CONTENT_ID_BYTES).toString('hex'),
    atMs: buffer.readDoubleBE(CONTENT_ID_BYTES),
    fingerprint: new Uint8Array(buffer.subarray(CONTENT_ID_BYTES + TIME_BYTES)),
  };
}

/**
 * Each source's recent uploads in one Redis list (newest first, trimmed to `size`, expiring a
 * window after its last upload), read and extended in one MULTI, so detectors on many machines
 * see each other's uploads. A history of 256 entries is 20 KiB read per upload.
 */
export function createRedisQueryHistoryStore(
  redis: Redis,
  rule: Pick<QueryHistoryRule, 'size' | 'windowMs'>,
  prefix = 'advscreen',
): QueryHistoryStore {
  return {
    async recordAndRecall(source, entry) {
      const key = `${prefix}:queries:${source}`;
      const replies = await redis
        .multi()
        .lrangeBuffer(key, 0, rule.size - 1)
        .lpush(key, encode(entry))
        .ltrim(key, 0, rule.size - 1)
        .pexpire(key, Math.ceil(rule.windowMs))
        .exec();
      const [error, earlier] = replies?.[0] ?? [new Error('query history: no reply from MULTI'), null];
      if (error) throw error;
      return (earlier as Buffer[]).map(decode).filter((e): e is QueryEntry => e !== null);
    },
  };
}
