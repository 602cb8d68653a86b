import { randomUUID } from 'node:crypto';
import { constants, createWriteStream, type Dirent, type Stats } from 'node:fs';
import { type FileHandle, lstat, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { makeFolder } from './make-folder.ts';
import {
  assertSafeKey,
  NotAFileError,
  type ObjectInfo,
  ObjectNotFoundError,
  type ObjectStore,
  ObjectTooLargeError,
  type PutOptions,
  type ReadOptions,
  UnsafeKeyError,
} from './object-store.ts';

/** Where a folder store keeps an object's user metadata: a JSON file beside it. */
export const METADATA_SUFFIX = '.metadata.json';

const A_LINK = 'a symbolic link (not followed)';

/** What a folder entry is, for the message refusing it. */
function kindOf(stats: Stats): string {
  if (stats.isSymbolicLink()) return A_LINK;
  if (stats.isDirectory()) return 'a folder that could not be listed';
  if (stats.isFIFO()) return 'a named pipe';
  if (stats.isSocket()) return 'a socket';
  if (stats.isFile()) return 'a file';
  return 'a device';
}

const notAFile = (key: string, kind: string) => new NotAFileError(`${key} is ${kind}, not a file; not read`);

// O_NOFOLLOW: a file swapped for a link after it was checked is refused, not followed;
// O_NONBLOCK: one swapped for a named pipe does not hang the open waiting for a writer.
const OPEN_REGULAR = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/** S3 keeps at most 2 KB of user metadata; a sidecar far past that is no metadata file. */
const MAX_METADATA_BYTES = 64 * 1024;

/**
 * A folder on disk as an object store. Symbolic links and special files are listed, so each
 * gets its verdict, and refused when read (`NotAFileError`): a hostile folder can neither make
 * the scan read outside it nor hang it on a pipe.
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

  /**
   * The path of a key whose folders are folders, not links: a folder swapped for a link to
   * elsewhere (after the listing, or planted where copies are written) is not gone through.
   */
  async #pathInside(key: string): Promise<string> {
    const file = this.#pathOf(key);
    const folders = key.split('/').slice(0, -1);
    for (let depth = 1; depth <= folders.length; depth++) {
      const folder = folders.slice(0, depth).join('/');
      const stats = await lstat(path.join(this.#root, folder)).catch(() => null);
      if (stats === null) break;
      if (!stats.isDirectory())
        throw new NotAFileError(`${key} lies under ${folder}, which is ${kindOf(stats)}; not used`);
    }
    return file;
  }

  /**
   * Writes under a fresh name made for this write alone (O_EXCL: never through a link planted
   * there), then renames it into place: a reader never sees half a file, and a link at the
   * final name is replaced, not written through.
   */
  async #writeReplacing(file: string, body: Buffer | string | Readable): Promise<void> {
    const partial = `${file}.partial-${randomUUID()}`;
    try {
      if (typeof body === 'string' || Buffer.isBuffer(body)) await writeFile(partial, body, { flag: 'wx' });
      else await pipeline(body, createWriteStream(partial, { flags: 'wx' }));
      await rename(partial, file);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  /** The entry's stats; throws where it is missing or no regular file. */
  async #regularFile(key: string): Promise<{ file: string; stats: Stats }> {
    const file = await this.#pathInside(key);
    const stats = await lstat(file).catch(() => null);
    // Node reads a file name that is not UTF-8 with U+FFFD in place of its bytes: no such path.
    if (!stats && key.includes('\uFFFD'))
      throw new UnsafeKeyError(
        `${key}: its name is not valid UTF-8, so it cannot be opened by name; not read`,
      );
    if (!stats) throw new ObjectNotFoundError(`${key} does not exist in ${this.#root}`);
    if (!stats.isFile()) throw notAFile(key, kindOf(stats));
    return { file, stats };
  }

  /** Opens a checked file, refusing one that changed into a link, pipe or device since. */
  async #openRegular(key: string, file: string): Promise<FileHandle> {
    const handle = await open(file, OPEN_REGULAR).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ELOOP') throw notAFile(key, A_LINK);
      if (error.code === 'ENOENT') throw new ObjectNotFoundError(`${key} does not exist in ${this.#root}`);
      throw error;
    });
    const stats = await handle.stat();
    if (stats.isFile()) return handle;
    await handle.close();
    throw notAFile(key, kindOf(stats));
  }

  async head(key: string): Promise<ObjectInfo> {
    const { file, stats } = await this.#regularFile(key);
    return {
      key,
      size: stats.size,
      etag: undefined,
      contentType: undefined,
      metadata: await this.#metadataOf(file),
    };
  }

  /**
   * The user metadata beside a file, as S3 keeps it beside an object. Advisory, so what is not
   * a small JSON object of strings in a regular file (a link to elsewhere, a pipe, a huge file)
   * is read as none.
   */
  async #metadataOf(file: string): Promise<Record<string, string>> {
    const handle = await open(file + METADATA_SUFFIX, OPEN_REGULAR).catch(() => null);
    if (!handle) return {};
    try {
      const stats = await handle.stat();
      if (!stats.isFile() || stats.size > MAX_METADATA_BYTES) return {};
      const parsed: unknown = JSON.parse(await handle.readFile('utf8'));
      const isStrings =
        typeof parsed === 'object' &&
        parsed !== null &&
        !Array.isArray(parsed) &&
        Object.values(parsed).every((value) => typeof value === 'string');
      return isStrings ? (parsed as Record<string, string>) : {};
    } catch {
      return {};
    } finally {
      await handle.close();
    }
  }

  async *list(prefix = ''): AsyncIterable<ObjectInfo> {
    const pending = [''];
    while (pending.length > 0) {
      const dir = pending.pop() as string;
      let entries: Dirent[];
      try {
        entries = await readdir(path.join(this.#root, dir), { withFileTypes: true });
      } catch (error) {
        if (dir === '') throw error;
        // A subfolder that cannot be listed is listed itself, so that its read says why.
        if (dir.startsWith(prefix))
          yield { key: dir, size: 0, etag: undefined, contentType: undefined, metadata: {} };
        continue;
      }
      for (const entry of entries) {
        const key = dir === '' ? entry.name : `${dir}/${entry.name}`;
        if (entry.isDirectory()) {
          pending.push(key);
        } else if (!key.endsWith(METADATA_SUFFIX) && key.startsWith(prefix)) {
          const size = (await lstat(path.join(this.#root, key)).catch(() => null))?.size ?? 0;
          yield { key, size, etag: undefined, contentType: undefined, metadata: {} };
        }
      }
    }
  }

  /** A folder keeps no versions: `ifMatch` is not checked. */
  async read(key: string, maxBytes: number, _options?: ReadOptions): Promise<Buffer> {
    const { file, stats } = await this.#regularFile(key);
    if (stats.size > maxBytes) throw new ObjectTooLargeError(key, stats.size, maxBytes);
    const handle = await this.#openRegular(key, file);
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

  async put(key: string, body: Buffer | Readable, options: PutOptions = {}): Promise<void> {
    const file = await this.#pathInside(key);
    await makeFolder(path.dirname(file));
    await this.#writeReplacing(file, body);
    if (options.metadata && Object.keys(options.metadata).length > 0)
      await this.#writeReplacing(file + METADATA_SUFFIX, `${JSON.stringify(options.metadata, null, 2)}\n`);
  }
}
