import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LocalFolderStore, type ObjectInfo, type ReadOptions } from '@advscreen/storage';

/**
 * A folder store that reports an ETag the way a bucket does for a single-part upload (the MD5
 * of the bytes), and whose next `damagedReads` reads come back cut in half, as a broken transfer
 * would. Like s3rver, it ignores If-Match.
 */
export class BucketLikeStore extends LocalFolderStore {
  damagedReads = 0;
  readonly #root: string;

  constructor(root: string) {
    super(root);
    this.#root = root;
  }

  override async head(key: string): Promise<ObjectInfo> {
    const info = await super.head(key);
    const bytes = await readFile(path.join(this.#root, key));
    return { ...info, etag: `"${createHash('md5').update(bytes).digest('hex')}"` };
  }

  override async read(key: string, maxBytes: number, options?: ReadOptions): Promise<Buffer> {
    const bytes = await super.read(key, maxBytes, options);
    if (this.damagedReads <= 0) return bytes;
    this.damagedReads--;
    return bytes.subarray(0, bytes.length >> 1);
  }
}
