import { VerdictRecord } from '@advscreen/contracts';
import type { Redis } from 'ioredis';

/**
 * Detector verdicts by content: an S3 ETag of a single-part upload is the MD5 of the bytes, so
 * the same image uploaded again under another key (a bot retrying, a campaign reusing one
 * image) is not decoded and scored again. Keys include the detector's name, so a new detector
 * version starts afresh.
 */
export interface DetectionCache {
  get(contentId: string): Promise<VerdictRecord | null>;
  set(contentId: string, record: VerdictRecord): Promise<void>;
}

const TTL_S = 7 * 24 * 3600;

/** The content id of an object version, when its ETag is a plain MD5 (not multipart, not KMS). */
export function contentIdOf(etag: string): string | null {
  return /^[0-9a-f]{32}$/.test(etag) ? etag : null;
}

export function createRedisDetectionCache(
  redis: Redis,
  detectorName: string,
  prefix = 'advscreen',
): DetectionCache {
  const keyOf = (contentId: string) => `${prefix}:content:${detectorName}:${contentId}`;
  return {
    async get(contentId) {
      const text = await redis.get(keyOf(contentId));
      if (!text) return null;
      const parsed = VerdictRecord.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : null;
    },
    async set(contentId, record) {
      await redis.set(keyOf(contentId), JSON.stringify(record), 'EX', TTL_S);
    },
  };
}
