import type { Readable } from 'node:stream';
import {
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { decodeMetadataValue, encodeMetadataValue, mapMetadata } from './metadata-encoding.ts';
import {
  assertSafeKey,
  ObjectChangedError,
  type ObjectInfo,
  ObjectNotFoundError,
  type ObjectStore,
  ObjectTooLargeError,
  type PutOptions,
  type ReadOptions,
} from './object-store.ts';

export interface S3StoreOptions {
  bucket: string;
  client: S3Client;
  /** Keys per ListObjectsV2 page; S3's maximum and default is 1000. */
  pageSize?: number;
}

/** ADVSCREEN_S3_TIMEOUT_S's default. */
const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Builds an S3 client for AWS or an S3-compatible endpoint (MinIO: set `forcePathStyle`).
 * The SDK waits without limit by default, so a server that accepts a connection and never
 * answers would hold a job in flight for good (its lock renewed, never retried): each request
 * here fails after `timeoutMs` without a connection or without the server's next bytes, and the
 * job's retries take over.
 */
export function createS3Client(options: {
  endpoint?: string | undefined;
  region: string;
  forcePathStyle: boolean;
  timeoutMs?: number;
  extra?: Partial<S3ClientConfig>;
}): S3Client {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new S3Client({
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    // socketTimeout: the server's silence, reset by every byte, so large reads are not cut short
    // (the handler's requestTimeout bounds the whole request and only warns unless told to throw).
    requestHandler: { connectionTimeout: timeoutMs, socketTimeout: timeoutMs },
    ...options.extra,
  });
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  return error instanceof NotFound || error instanceof NoSuchKey || statusOf(error) === 404;
}

/** What S3 says of a bucket: there; missing (its own 404); or it would not say, and why. */
export type BucketState = { state: 'exists' } | { state: 'missing' } | { state: 'unknown'; reason: string };

/**
 * Whether a bucket exists, asked once (HEAD, no retries past the client's) within `timeoutMs`.
 * Only a 404 is `missing`: a 403 (HeadBucket needs s3:ListBucket, which a role that only writes
 * there lacks) or an unreachable endpoint is `unknown`.
 */
export async function probeBucket(client: S3Client, bucket: string, timeoutMs = 5_000): Promise<BucketState> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }), {
      abortSignal: AbortSignal.timeout(timeoutMs),
    });
    return { state: 'exists' };
  } catch (error) {
    if (isNotFound(error)) return { state: 'missing' };
    const status = statusOf(error);
    return { state: 'unknown', reason: status ? `HTTP ${status}` : (error as Error).message };
  }
}

/** One bucket as an object store; keys are full S3 object keys. */
export class S3Store implements ObjectStore {
  readonly location: string;
  readonly #bucket: string;
  readonly #client: S3Client;
  readonly #pageSize: number;

  constructor(options: S3StoreOptions) {
    this.#bucket = options.bucket;
    this.#client = options.client;
    this.#pageSize = options.pageSize ?? 1000;
    this.location = `s3://${options.bucket}`;
  }

  async head(key: string): Promise<ObjectInfo> {
    assertSafeKey(key);
    try {
      const head = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return {
        key,
        size: head.ContentLength ?? 0,
        etag: head.ETag,
        contentType: head.ContentType,
        metadata: mapMetadata(head.Metadata ?? {}, decodeMetadataValue),
      };
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(`${this.location}/${key} does not exist`);
      throw error;
    }
  }

  async *list(prefix = ''): AsyncIterable<ObjectInfo> {
    let continuationToken: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix: prefix,
          MaxKeys: this.#pageSize,
          ContinuationToken: continuationToken,
        }),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key || object.Key.endsWith('/')) continue;
        yield {
          key: object.Key,
          size: object.Size ?? 0,
          etag: object.ETag,
          contentType: undefined,
          metadata: {},
        };
      }
      continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (continuationToken);
  }

  async read(key: string, maxBytes: number, options: ReadOptions = {}): Promise<Buffer> {
    const body = await this.#get(key, maxBytes, options.ifMatch);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of body) {
      total += (chunk as Buffer).length;
      if (total > maxBytes) {
        body.destroy();
        throw new ObjectTooLargeError(key, total, maxBytes);
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks, total);
  }

  async #get(key: string, maxBytes: number, ifMatch: string | undefined): Promise<Readable> {
    assertSafeKey(key);
    try {
      const object = await this.#client.send(
        new GetObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          ...(ifMatch ? { IfMatch: `"${ifMatch.replace(/^"|"$/g, '')}"` } : {}),
        }),
      );
      const body = object.Body as Readable;
      if ((object.ContentLength ?? 0) > maxBytes) {
        body.destroy();
        throw new ObjectTooLargeError(key, object.ContentLength ?? 0, maxBytes);
      }
      return body;
    } catch (error) {
      if (isNotFound(error)) throw new ObjectNotFoundError(`${this.location}/${key} does not exist`);
      if (statusOf(error) === 412)
        throw new ObjectChangedError(`${this.location}/${key} no longer has the ETag ${ifMatch}`);
      throw error;
    }
  }

  async put(key: string, body: Buffer | Readable, options: PutOptions = {}): Promise<void> {
    assertSafeKey(key);
    const params = {
      Bucket: this.#bucket,
      Key: key,
      Body: body,
      ContentType: options.contentType,
      Metadata: options.metadata && mapMetadata(options.metadata, encodeMetadataValue),
    };
    if (Buffer.isBuffer(body)) {
      await this.#client.send(new PutObjectCommand(params));
    } else {
      // Streams of unknown length need multipart upload; PutObject requires a length.
      await new Upload({ client: this.#client, params }).done();
    }
  }
}
