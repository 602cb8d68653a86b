import { createHash } from 'node:crypto';
import { VerdictRecord } from '@advscreen/contracts';
import type { Scorer } from '@advscreen/detection';
import type { DecodeLimits } from '@advscreen/imaging';
import type { Redis } from 'ioredis';

/**
 * Detector verdicts by content, the SHA-256 of the bytes screened: the same image uploaded again
 * under another key (a bot retrying, a campaign reusing one image) is not decoded and scored
 * again. Keys include a namespace (detectionCacheNamespace), so a new detector version,
 * threshold or decode setting starts afresh.
 */
export interface DetectionCache {
  get(contentId: string): Promise<VerdictRecord | null>;
  set(contentId: string, record: VerdictRecord): Promise<void>;
}

/**
 * What a cached verdict depends on besides the bytes: the detector and its threshold (a new
 * calibration must not reuse old verdicts), and the decode settings (a deployment that stops
 * accepting a format, or lowers a limit, must not reuse verdicts on files it would now refuse).
 */
export function detectionCacheNamespace(
  scorer: Pick<Scorer, 'name' | 'threshold'>,
  limits: DecodeLimits,
): string {
  const decode = createHash('sha256')
    .update(
      JSON.stringify([
        limits.maxBytes,
        limits.maxPixels,
        limits.timeoutMs,
        limits.analysisSize,
        limits.acceptedFormats ?? 'all',
      ]),
    )
    .digest('hex')
    .slice(0, 12);
  return `${scorer.name}@${scorer.threshold}@${decode}`;
}

/** A cache that keeps nothing: `ADVSCREEN_DETECTION_CACHE_DAYS=0`. */
export const NO_DETECTION_CACHE: DetectionCache = { get: async () => null, set: async () => {} };

/** Verdicts kept `days` days each (0.4-0.8 KB a distinct content in Redis 7.0). */
export function createRedisDetectionCache(
  redis: Redis,
  namespace: string,
  days: number,
  prefix = 'advscreen',
): DetectionCache {
  if (days <= 0) return NO_DETECTION_CACHE;
  const ttlS = Math.round(days * 24 * 3600);
  const keyOf = (contentId: string) => `${prefix}:content:${namespace}:${contentId}`;
  return {
    async get(contentId) {
      const text = await redis.get(keyOf(contentId));
      if (!text) return null;
      const parsed = VerdictRecord.safeParse(JSON.parse(text));
      return parsed.success ? parsed.data : null;
    },
    async set(contentId, record) {
      await redis.set(keyOf(contentId), JSON.stringify(record), 'EX', ttlS);
    },
  };
}
