import { z } from 'zod';

/** What screening concluded about one input object. */
export const Verdict = z.enum(['clean', 'adversarial', 'rejected']);
export type Verdict = z.infer<typeof Verdict>;

/**
 * Why an input was refused before scoring. Machine-readable: alerting and reports group by it,
 * so codes are only ever added, never renamed.
 */
export const RejectReason = z.enum([
  'empty',
  'too_large',
  'not_an_image',
  'unsupported_format',
  'too_many_pixels',
  'corrupt',
  'decode_timeout',
  'unsafe_key',
  'read_failed',
  'processing_failed',
  'partly_transparent',
  'disguised_format',
  /** A screenable format the operator does not accept (`ADVSCREEN_ACCEPTED_FORMATS`). */
  'format_not_accepted',
  /** A folder entry that is no regular file (symbolic link, FIFO, socket, device): not read. */
  'not_a_file',
]);
export type RejectReason = z.infer<typeof RejectReason>;

/** Which check decided that an image is adversarial (docs/inference.md, docs/query-history.md). */
export const Layer = z.enum(['detector', 'query-history', 'consistency', 'sanity']);
export type Layer = z.infer<typeof Layer>;

/** Named detector signals, e.g. `{ highFrequencyRatio: 0.21 }`. */
export const Signals = z.record(z.string(), z.number());
export type Signals = z.infer<typeof Signals>;

/**
 * What the detector said of an image it passed, as the model stage needs it: which detector
 * scored it (`<id>@<version>`: the joint rule reads only its own detector's scores), its score,
 * and whether it read the input as a JPEG (its JPEG model).
 */
export interface DetectorReading {
  detector: string;
  score: number;
  jpegInput: boolean;
}

/**
 * One line of `scan --out`: the stable contract other tools read.
 * Fields are only ever added; the first six are fixed.
 */
export const VerdictRecord = z.object({
  key: z.string().min(1),
  verdict: Verdict,
  score: z.number().nullable(),
  threshold: z.number(),
  signals: Signals,
  reason: RejectReason.optional(),
  /** Human-readable detail for `rejected`, e.g. the decoder's message. */
  detail: z.string().optional(),
  /** `<scorer id>@<version>` that produced score and threshold. */
  detector: z.string(),
  bytes: z.number().int().nonnegative().nullable(),
  format: z.string().nullable(),
  /** Wall time spent on this input (read, decode, score), in milliseconds. */
  ms: z.number().nonnegative(),
  /** With a model (`scan --model`, the fleet) or named senders' query history: which check decided; null for clean. */
  layer: Layer.nullable().optional(),
  /** With per-source query history: earlier uploads from the same sender near this one. */
  nearDuplicates: z.number().int().nonnegative().optional(),
  /** With a model: the consistency (feature-squeezing) score, when that check ran. */
  consistency: z.number().nullable().optional(),
  /** With a model whose joint rule reads it: how far its answer moved on the image translated 2 pixels (same distance as `consistency`). */
  translatedDistance: z.number().nullable().optional(),
  /** With a model: its top class (or best detection; null if none) for images that reached it. */
  prediction: z.object({ label: z.string(), probability: z.number() }).nullable().optional(),
  /** With a detection model: its boxes (x1, y1, x2, y2 as fractions of the image), best first. */
  detections: z
    .array(
      z.object({
        label: z.string(),
        score: z.number(),
        box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
      }),
    )
    .optional(),
  /** Where `ms` went, for inputs that were decoded. */
  timings: z.object({ readMs: z.number(), decodeMs: z.number(), scoreMs: z.number() }).optional(),
});
export type VerdictRecord = z.infer<typeof VerdictRecord>;
