import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

export interface ObjectInfo {
  /** Key inside the store: a relative path for a folder, the full object key for a bucket. */
  key: string;
  size: number;
  etag: string | undefined;
  contentType: string | undefined;
  /** User metadata (S3 `x-amz-meta-*` without the prefix, lower-case names). */
  metadata: Record<string, string>;
}

export interface ReadOptions {
  /**
   * Read only the version with this ETag: a store that keeps ETags fails with
   * `ObjectChangedError` when the key holds another version by now (S3's If-Match).
   */
  ifMatch?: string;
}

export interface PutOptions {
  contentType?: string;
  metadata?: Record<string, string>;
}

/**
 * The one seam between advscreen and where images live. Screening logic only sees opaque keys,
 * so the embedded scan and the fleet run unchanged on a local folder or any S3-compatible bucket.
 */
export interface ObjectStore {
  /** Human-readable root, e.g. `s3://bucket` or `/data/images`. */
  readonly location: string;
  head(key: string): Promise<ObjectInfo>;
  /** Every object whose key starts with `prefix`, in pages; any order. */
  list(prefix?: string): AsyncIterable<ObjectInfo>;
  /** Whole object, refusing to buffer more than `maxBytes`. */
  read(key: string, maxBytes: number, options?: ReadOptions): Promise<Buffer>;
  put(key: string, body: Buffer | Readable, options?: PutOptions): Promise<void>;
}

export class UnsafeKeyError extends Error {
  override name = 'UnsafeKeyError';
}

export class ObjectTooLargeError extends Error {
  override name = 'ObjectTooLargeError';
  readonly size: number;
  readonly limit: number;
  constructor(key: string, size: number, limit: number) {
    super(`${key} is ${size} bytes, over the ${limit}-byte limit`);
    this.size = size;
    this.limit = limit;
  }
}

export class ObjectNotFoundError extends Error {
  override name = 'ObjectNotFoundError';
}

/** A folder entry that is no regular file (symbolic link, FIFO, socket, device): never read. */
export class NotAFileError extends Error {
  override name = 'NotAFileError';
}

/** The key holds another version than the one asked for. */
export class ObjectChangedError extends Error {
  override name = 'ObjectChangedError';
}

/** Refuses keys that could escape the store's root once joined to a path or prefix. */
export function assertSafeKey(key: string): void {
  if (key.length === 0 || key.length > 1024)
    throw new UnsafeKeyError(`key length ${key.length} is not 1..1024`);
  if (key.includes('\0') || key.includes('\\'))
    throw new UnsafeKeyError(`key ${JSON.stringify(key)} has a NUL or backslash`);
  if (key.startsWith('/')) throw new UnsafeKeyError(`key ${JSON.stringify(key)} is absolute`);
  if (key.split('/').some((segment) => segment === '..' || segment === '.')) {
    throw new UnsafeKeyError(`key ${JSON.stringify(key)} has a '.' or '..' segment`);
  }
}

/** Joins a prefix and a key with exactly one slash. */
export function joinKey(prefix: string, key: string): string {
  if (prefix === '') return key;
  return prefix.endsWith('/') ? `${prefix}${key}` : `${prefix}/${key}`;
}

/**
 * The key under which to file something about an object of key `key` (its outcome record, its
 * quarantine copy): `prefix/key` + `suffix`, as it is whenever that is a safe key of at most 1024
 * UTF-8 bytes (S3's limit); otherwise `prefix/~<sha256 of key>` + `suffix`. An object whose key
 * has a backslash or a '..' segment, or whose key nearly fills S3's limit, still gets its record
 * (the record names the key in full) instead of failing to be written at all; a key that starts
 * like such a name is filed under its own hash too.
 */
export function storableKey(prefix: string, key: string, suffix = ''): string {
  // A key written as a hash is filed under its own hash: it would land on the other key's files.
  if (HASHED_NAME.test(key)) return hashedKey(prefix, key, suffix);
  const whole = joinKey(prefix, key) + suffix;
  try {
    assertSafeKey(whole);
    if (Buffer.byteLength(whole, 'utf8') <= 1024) return whole;
  } catch (error) {
    if (!(error instanceof UnsafeKeyError)) throw error;
  }
  return hashedKey(prefix, key, suffix);
}

const HASHED_NAME = /^~[0-9a-f]{64}/;

/** `prefix/~<sha256 of key>` + `suffix`: where storableKey files what a key cannot be filed as. */
export function hashedKey(prefix: string, key: string, suffix = ''): string {
  return `${joinKey(prefix, `~${createHash('sha256').update(key).digest('hex')}`)}${suffix}`;
}
