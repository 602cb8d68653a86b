import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, lstat, open, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { makeFolder } from './make-folder.ts';
import {
  assertSafeKey,
  type ObjectInfo,
  ObjectNotFoundError,
  type ObjectStore,
  ObjectTooLargeError,
  type PutOptions,
  type ReadOptions,
} from './object-store.ts';

/** Where a folder store keeps an object's user metadata: a JSON file beside it. */
export const METADATA_SUFFIX = '.metadata.json';

/**
 * A folder on disk as an object store. Symbolic links and special files are skipped when
 * listing and refused when read, so a hostile folder cannot make the scan read outside it.
 */
export class LocalFolderStore implements ObjectStore {
  readonly location: string;
  readonly #root: string;

  constructor(root: string) {
    this.#root = path.resolve(root);
    this.location = this.#root;
  }

  #pathOf(key: string): string {
    assertSafeKey(key);
    return path.join(this.#root, ...key.split('/'));
  }

  async head(key: string): Promise<ObjectInfo> {
    const file = this.#pathOf(key);
    const stats = await lstat(file).catch(() => null);
    if (!stats?.isFile()) throw new ObjectNotFoundError(`${key} is not a regular file in ${this.#root}`);
    return {
      key,
      size: stats.size,
      etag: undefined,
      contentType: undefined,
      metadata: await this.#metadataOf(file),
    };
  }

  async #metadataOf(file: string): Promise<Record<string, string>> {
    const text = await readFile(file + METADATA_SUFFIX, 'utf8').catch(() => null);
    return text === null ? {} : (JSON.parse(text) as Record<string, string>);
  }

  async *list(prefix = ''): AsyncIterable<ObjectInfo> {
    const pending = [''];
    while (pending.length > 0) {
      const dir = pending.pop() as string;
      const entries = await readdir(path.join(this.#root, dir), { withFileTypes: true });
      for (const entry of entries) {
        const key = dir === '' ? entry.name : `${dir}/${entry.name}`;
        if (entry.isDirectory()) {
          pending.push(key);
        } else if (entry.isFile() && !key.endsWith(METADATA_SUFFIX) && key.startsWith(prefix)) {
          const stats = await lstat(path.join(this.#root, key));
          yield { key, size: stats.size, etag: undefined, contentType: undefined, metadata: {} };
        }
      }
    }
  }

  /** A folder keeps no versions: `ifMatch` is not checked. */
  async read(key: string, maxBytes: number, _options?: ReadOptions): Promise<Buffer> {
    const file = this.#pathOf(key);
    const stats = await lstat(file).catch(() => null);
    if (!stats?.isFile()) throw new ObjectNotFoundError(`${key} is not a regular file in ${this.#root}`);
    if (stats.size > maxBytes) throw new ObjectTooLargeError(key, stats.size, maxBytes);
    const handle = await open(file, 'r');
    try {
      // Read at most maxBytes + 1 so a file that grew after lstat is still caught.
      const buffer = Buffer.alloc(Math.min(stats.size, maxBytes) + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > maxBytes) throw new ObjectTooLargeError(key, bytesRead, maxBytes);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }

  async readStream(key: string): Promise<Readable> {
    await this.head(key);
    return createReadStream(this.#pathOf(key));
  }

  async put(key: string, body: Buffer | Readable, options: PutOptions = {}): Promise<void> {
    const file = this.#pathOf(key);
    await makeFolder(path.dirname(file));
    // Write then rename, so a reader never sees half a file.
    const partial = `${file}.partial-${process.pid}`;
    if (Buffer.isBuffer(body)) await writeFile(partial, body);
    else await pipeline(body, createWriteStream(partial));
    await rename(partial, file);
    if (options.metadata && Object.keys(options.metadata).length > 0) {
      await writeFile(file + METADATA_SUFFIX, `${JSON.stringify(options.metadata, null, 2)}\n`);
    }
  }

  async copy(sourceKey: string, destinationKey: string, metadata: Record<string, string>): Promise<void> {
    await this.head(sourceKey);
    const destination = this.#pathOf(destinationKey);
    await makeFolder(path.dirname(destination));
    await copyFile(this.#pathOf(sourceKey), destination);
    await writeFile(destination + METADATA_SUFFIX, `${JSON.stringify(metadata, null, 2)}\n`);
  }
}
