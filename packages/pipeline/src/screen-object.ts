import type { RejectReason, RgbImage, VerdictRecord } from '@advscreen/contracts';
import type { Scorer } from '@advscreen/detection';
import { type DecodeLimits, decodeImage, RejectedInputError } from '@advscreen/imaging';
import {
  NotAFileError,
  ObjectNotFoundError,
  type ObjectStore,
  ObjectTooLargeError,
  UnsafeKeyError,
} from '@advscreen/storage';
import { routeVerdict } from './route-verdict.ts';

export interface ScreenDependencies {
  /**
   * Read, and where the store has it, head: asked for the object's media type only when the
   * caller passed none and a refused SVG or PDF under a name that claims nothing makes it matter
   * (`scan` lists a bucket without the types).
   */
  store: Pick<ObjectStore, 'read'> & Partial<Pick<ObjectStore, 'head'>>;
  scorer: Scorer;
  limits: DecodeLimits;
  now?: () => number;
}

export interface ScreenOutcome {
  record: VerdictRecord;
  /** The bytes that were screened, kept for quarantine; null when the object could not be read. */
  bytes: Buffer | null;
  /** The decoded analysis image, for a model stage that takes the same size; null when rejected. */
  analysis: RgbImage | null;
}

/** Names under which a file claims to be a raster image. */
const IMAGE_NAME = /\.(jpe?g|jpe|jfif|png|gif|webp|avif|tiff?|bmp|hei[cf])$/i;
/** Media types that claim a raster image (`image/svg+xml` is an SVG's honest type). */
const RASTER_TYPE = /^image\/(?!svg)/i;

/** How the object claims to be a raster image, if it does: by its name, else by its media type. */
async function rasterClaimOf(
  key: string,
  contentTypeOf: () => Promise<string | null>,
): Promise<string | null> {
  if (IMAGE_NAME.test(key)) return `under an image's name (${key.slice(key.lastIndexOf('.'))})`;
  const contentType = await contentTypeOf();
  if (contentType !== null && RASTER_TYPE.test(contentType)) return `sent as ${contentType}`;
  return null;
}

/** The stored media type by a HEAD; none where the store cannot tell or the HEAD fails. */
async function storedTypeOf(store: ScreenDependencies['store'], key: string): Promise<string | null> {
  if (!store.head) return null;
  return (await store.head(key).catch(() => null))?.contentType ?? null;
}

/**
 * Why an error describes the input itself (unreadable as an image, too large, a key or folder
 * entry that cannot be read safely), or null: anything else (network, permissions) is the
 * caller's to retry.
 */
export function inputRejectionOf(error: unknown): { reason: RejectReason; detail: string } | null {
  if (error instanceof RejectedInputError) return { reason: error.reason, detail: error.message };
  if (error instanceof ObjectTooLargeError) return { reason: 'too_large', detail: error.message };
  if (error instanceof UnsafeKeyError) return { reason: 'unsafe_key', detail: error.message };
  if (error instanceof NotAFileError) return { reason: 'not_a_file', detail: error.message };
  if (error instanceof ObjectNotFoundError) return { reason: 'read_failed', detail: error.message };
  return null;
}

/**
 * Errors that describe the input itself become a final `rejected` verdict; anything else is
 * thrown so the caller can retry. An SVG or PDF claiming to be a raster image, by its name or
 * its Content-Type, is `disguised_format`: honest clients name and label such files for what
 * they are, and both can carry scripts and external references that a viewer trusting the
 * claim might run.
 */
async function rejectionOf(
  error: unknown,
  key: string,
  contentTypeOf: () => Promise<string | null>,
): Promise<{ reason: RejectReason; detail: string } | null> {
  if (
    error instanceof RejectedInputError &&
    error.reason === 'unsupported_format' &&
    error.refusedFormat !== null
  ) {
    const claim = await rasterClaimOf(key, contentTypeOf);
    if (claim !== null)
      return { reason: 'disguised_format', detail: `${error.refusedFormat} content ${claim}; not screened` };
  }
  return inputRejectionOf(error);
}

export function rejectedRecord(
  key: string,
  rejection: { reason: RejectReason; detail: string },
  context: { scorer: Scorer; bytes: number | null; ms: number },
): VerdictRecord {
  return {
    key,
    verdict: 'rejected',
    score: null,
    threshold: context.scorer.threshold,
    signals: {},
    reason: rejection.reason,
    detail: rejection.detail,
    detector: context.scorer.name,
    bytes: context.bytes,
    format: null,
    ms: context.ms,
  };
}

/**
 * Read, decode, score and route one object: the per-image stage shared by scan and fleet.
 * `contentType` is the object's stored media type where the caller has it (the fleet's HEAD;
 * null: it has none); left out, the store is asked when it matters.
 */
export async function screenObject(
  deps: ScreenDependencies,
  key: string,
  contentType?: string | null,
): Promise<ScreenOutcome> {
  const now = deps.now ?? performance.now.bind(performance);
  const started = now();
  let bytes: Buffer | null = null;
  try {
    bytes = await deps.store.read(key, deps.limits.maxBytes);
    const read = now();
    const decoded = await decodeImage(bytes, deps.limits);
    const decodedAt = now();
    const { score, signals } = deps.scorer.score(decoded.analysis, decoded);
    const scored = now();
    return {
      bytes,
      analysis: decoded.analysis,
      record: {
        key,
        verdict: routeVerdict(score, deps.scorer.threshold),
        score,
        threshold: deps.scorer.threshold,
        signals,
        detector: deps.scorer.name,
        bytes: bytes.length,
        format: decoded.format,
        ms: scored - started,
        timings: { readMs: read - started, decodeMs: decodedAt - read, scoreMs: scored - decodedAt },
      },
    };
  } catch (error) {
    const contentTypeOf = async () =>
      contentType !== undefined ? contentType : storedTypeOf(deps.store, key);
    const rejection = await rejectionOf(error, key, contentTypeOf);
    if (!rejection) throw error;
    return {
      bytes,
      analysis: null,
      record: rejectedRecord(key, rejection, {
        scorer: deps.scorer,
        bytes: bytes?.length ?? null,
        ms: now() - started,
      }),
    };
  }
}
