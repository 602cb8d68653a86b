import { createHash } from 'node:crypto';
import type { ObjectRef } from '@advscreen/contracts';
import { ObjectChangedError, type ObjectStore } from '@advscreen/storage';
import { normaliseEtag } from './stages/ingest.ts';

export type OnReread = (object: ObjectRef, why: string) => void;

export interface QueuedVersion {
  bytes: Buffer;
  /** The ETag's MD5 when the bytes were found to hash to it; null when that is not known. */
  contentId: string | null;
}

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

/** The MD5 an ETag names, when it is a plain one (not multipart, not SSE-KMS). */
export function contentIdOf(etag: string): string | null {
  return /^[0-9a-f]{32}$/.test(etag) ? etag : null;
}

/**
 * The bytes of the object version a job was queued for. A store that honours If-Match refuses
 * another version outright; where it does not (s3rver), or where the transfer itself went wrong,
 * the ETag of a single-part upload (the MD5 of its bytes) tells. Bytes that do not hash to it
 * are read once more: the key may hold a newer version (`ObjectChangedError`: that version has
 * its own job), the first transfer may have been damaged (the second read hashes right), or the
 * ETag is no MD5 of the bytes at all, as under SSE-KMS (both reads agree). Anything else throws,
 * for the job to retry, rather than screening bytes that are not the object. `onReread` hears of
 * each second read (storage health, and SSE-KMS buckets, whose every object is read twice).
 */
export async function readQueuedVersion(
  store: Pick<ObjectStore, 'read' | 'head'>,
  object: ObjectRef,
  maxBytes: number,
  onReread?: OnReread,
): Promise<QueuedVersion> {
  const etag = object.etag && object.etag !== 'none' ? object.etag : null;
  const read = () => store.read(object.key, maxBytes, etag ? { ifMatch: etag } : {});
  const bytes = await read();
  const contentId = etag ? contentIdOf(etag) : null;
  if (!contentId) return { bytes, contentId: null };
  if (md5(bytes) === contentId) return { bytes, contentId };
  const current = normaliseEtag((await store.head(object.key)).etag);
  if (current !== null && current !== contentId)
    throw new ObjectChangedError(
      `${object.key} holds another version (ETag ${current}) than was queued (${contentId})`,
    );
  onReread?.(object, `the ${bytes.length} bytes read do not hash to the ETag ${contentId}; reading again`);
  const again = await read();
  const [first, second] = [md5(bytes), md5(again)];
  if (second === contentId) return { bytes: again, contentId };
  if (second === first) return { bytes: again, contentId: null };
  throw new Error(
    `${object.key}: two reads gave different bytes (${bytes.length} and ${again.length}), neither with the ETag's MD5 ${contentId}`,
  );
}
