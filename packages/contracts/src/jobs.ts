import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Layer, RejectReason, Signals, Verdict } from './verdict.ts';

/** BullMQ queue names, one per hop of the fleet. */
export const QueueName = {
  ingest: 'advscreen-ingest',
  detect: 'advscreen-detect',
  infer: 'advscreen-infer',
  events: 'advscreen-events',
  alerts: 'advscreen-alerts',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

/** Where an object is: payloads carry coordinates, never image bytes. */
export const ObjectRef = z.object({
  bucket: z.string().min(1),
  key: z.string().min(1).max(1024),
  /** Identifies the object version; `null` when the producer did not know it (HEAD fills it). */
  etag: z.string().nullable(),
});
export type ObjectRef = z.infer<typeof ObjectRef>;

export const IngestJob = z.object({
  v: z.literal(1),
  object: ObjectRef,
  /** How the key arrived: `enqueue`, `notification` or `poller`. */
  via: z.enum(['enqueue', 'notification', 'poller']),
  receivedAt: z.string(),
});
export type IngestJob = z.infer<typeof IngestJob>;

export const DetectJob = z.object({
  v: z.literal(1),
  object: ObjectRef.extend({ etag: z.string() }),
  size: z.number().int().nonnegative(),
  contentType: z.string().nullable(),
  /** Who sent the image (object metadata or key pattern); `unknown` when unattributed. */
  source: z.string().min(1),
  receivedAt: z.string(),
});
export type DetectJob = z.infer<typeof DetectJob>;

export const InferJob = DetectJob.extend({
  detector: z.object({ name: z.string(), score: z.number(), threshold: z.number(), signals: Signals }),
  /** The detector reused the verdict of identical bytes seen before (same single-part ETag). */
  duplicateOfContent: z.boolean().default(false),
  /** The sender's earlier uploads near this one, when the query history ran. */
  nearDuplicates: z.number().int().nonnegative().optional(),
});
export type InferJob = z.infer<typeof InferJob>;

/** What every role reports to the monitor, once per object and stage outcome. */
export const VerdictEvent = z.object({
  v: z.literal(1),
  object: ObjectRef,
  source: z.string(),
  verdict: Verdict,
  /** Which stage decided. */
  stage: z.enum(['ingest', 'detector', 'inference']),
  score: z.number().nullable(),
  reason: RejectReason.optional(),
  /** For adversarial verdicts: which check decided. */
  layer: Layer.optional(),
  at: z.string(),
});
export type VerdictEvent = z.infer<typeof VerdictEvent>;

export const AlertJob = z.object({
  v: z.literal(1),
  /** The most specific window that fired: `source:<name>`, else `global`. */
  scope: z.string(),
  /** Every window that fired on this event (global and/or the source's). */
  scopesFired: z.array(z.string()),
  count: z.number().int(),
  /** Images screened in that window, and the adversarial verdicts false positives alone would give. */
  screened: z.number().int().optional(),
  expected: z.number().optional(),
  windowMinutes: z.number(),
  threshold: z.number().int(),
  firstAt: z.string(),
  lastAt: z.string(),
  sampleKeys: z.array(z.string()),
  /** Which check flagged the image that raised the alert. */
  layer: Layer.optional(),
  /** Or why it was refused, when a refusal of a crafted file raised it (see countsAsAttack). */
  reason: RejectReason.optional(),
});
export type AlertJob = z.infer<typeof AlertJob>;

/**
 * Deterministic job id for an object version: the same bucket, key and ETag always give the
 * same id, so a re-sent notification or a re-run enqueue adds nothing. Hex only, never `:`.
 */
export function objectJobId(
  stage: string,
  object: { bucket: string; key: string; etag: string | null },
): string {
  const digest = createHash('sha256')
    .update(`${object.bucket}\n${object.key}\n${object.etag ?? ''}`)
    .digest('hex')
    .slice(0, 40);
  return `${stage}-${digest}`;
}
