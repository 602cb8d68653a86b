import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { beforeEach, describe, expect, it } from 'vitest';
import { LocalFolderStore, METADATA_SUFFIX } from './local-folder-store.ts';
import {
  assertSafeKey,
  NotAFileError,
  ObjectNotFoundError,
  ObjectTooLargeError,
  UnsafeKeyError,
} from './object-store.ts';

let root: string;
let store: LocalFolderStore;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'advscreen-store-'));
  store = new LocalFolderStore(root);
  await mkdir(path.join(root, 'a/b'), { recursive: true });
  await writeFile(path.join(root, 'top.jpg'), 'top');
  await writeFile(path.join(root, 'a/b/deep.png'), 'deep!');
});

async function keysOf(prefix?: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of store.list(prefix)) keys.push(object.key);
  return keys.sort();
}

describe('assertSafeKey', () => {
  it.each(['../etc/passwd', 'a/../../b', '/abs', 'a\\b', 'a/./b', '', 'nul\0'])('refuses %j', (key) => {
    expect(() => assertSafeKey(key)).toThrow(UnsafeKeyError);
  });
  it('accepts nested relative keys', () => expect(() => assertSafeKey('a/b/c..d.jpg')).not.toThrow());
});

describe('LocalFolderStore', () => {
  it('lists nested files with slash-separated relative keys', async () => {
    expect(await keysOf()).toEqual(['a/b/deep.png', 'top.jpg']);
    expect(await keysOf('a/')).toEqual(['a/b/deep.png']);
  });

  it('lists symbolic links and pipes but never follows or opens them', async () => {
    await symlink('/etc/hostname', path.join(root, 'link.jpg'));
    await symlink(path.join(root, 'a'), path.join(root, 'folder-link'));
    execFileSync('mkfifo', [path.join(root, 'a/pipe.png')]);
    expect(await keysOf()).toEqual(['a/b/deep.png', 'a/pipe.png', 'folder-link', 'link.jpg', 'top.jpg']);
    for (const [key, kind] of [
      ['link.jpg', 'a symbolic link'],
      ['folder-link', 'a symbolic link'],
      ['a/pipe.png', 'a named pipe'],
    ]) {
      await expect(store.read(key as string, 100)).rejects.toThrow(NotAFileError);
      await expect(store.read(key as string, 100)).rejects.toThrow(`${key} is ${kind}`);
    }
    await expect(store.read('absent.jpg', 100)).rejects.toThrow(ObjectNotFoundError);
  });

  it('lists files and folders whose names are not UTF-8, and says why they cannot be read', async () => {
    const rootBytes = Buffer.from(`${root}/`);
    await writeFile(Buffer.concat([rootBytes, Buffer.from([0x62, 0xff, 0x2e, 0x6a, 0x70, 0x67])]), 'x');
    const folder = Buffer.concat([rootBytes, Buffer.from([0x64, 0xfe])]);
    await mkdir(folder);
    await writeFile(Buffer.concat([folder, Buffer.from('/inside.jpg')]), 'y');
    expect(await keysOf()).toEqual(['a/b/deep.png', 'b\uFFFD.jpg', 'd\uFFFD', 'top.jpg']);
    for (const key of ['b\uFFFD.jpg', 'd\uFFFD'])
      await expect(store.read(key, 100)).rejects.toThrow(/its name is not valid UTF-8/);
  });

  it('refuses to read past the byte limit', async () => {
    await expect(store.read('a/b/deep.png', 4)).rejects.toThrow(ObjectTooLargeError);
    expect((await store.read('a/b/deep.png', 5)).toString()).toBe('deep!');
  });

  it('refuses keys that escape the root', async () => {
    await expect(store.read('../outside', 10)).rejects.toThrow(UnsafeKeyError);
    await expect(store.put('../outside', Buffer.from('x'))).rejects.toThrow(UnsafeKeyError);
  });

  it('writes buffers and streams, with metadata beside them, hidden from listings', async () => {
    await store.put('q/one.jpg', Buffer.from('1'), { metadata: { 'advscreen-score': '0.9' } });
    await store.put('q/two.jpg', Readable.from([Buffer.from('2')]));
    expect(await readFile(path.join(root, 'q/two.jpg'), 'utf8')).toBe('2');
    expect((await store.head('q/one.jpg')).metadata).toEqual({ 'advscreen-score': '0.9' });
    expect(await keysOf('q/')).toEqual(['q/one.jpg', 'q/two.jpg']);
  });

  it('reads as no metadata a sidecar that links elsewhere, is not JSON, or is not an object of strings', async () => {
    await symlink('/etc/passwd', path.join(root, `top.jpg${METADATA_SUFFIX}`));
    expect((await store.head('top.jpg')).metadata).toEqual({});
    for (const text of ['root:x:0:0', '["a"]', '{"n": 1}', 'null']) {
      await writeFile(path.join(root, `a/b/deep.png${METADATA_SUFFIX}`), text);
      expect((await store.head('a/b/deep.png')).metadata, text).toEqual({});
    }
  });

  it('neither reads nor writes through a folder that is a link, nor writes through a file that is one', async () => {
    const elsewhere = await mkdtemp(path.join(tmpdir(), 'advscreen-elsewhere-'));
    await writeFile(path.join(elsewhere, 'secret.jpg'), 'secret');
    await symlink(elsewhere, path.join(root, 'a/linked'));
    await expect(store.read('a/linked/secret.jpg', 100)).rejects.toThrow(
      'a/linked/secret.jpg lies under a/linked, which is a symbolic link',
    );
    await expect(store.put('a/linked/planted.jpg', Buffer.from('x'))).rejects.toThrow(NotAFileError);
    await expect(store.read('top.jpg/x.jpg', 100)).rejects.toThrow('lies under top.jpg, which is a file');
    // Links planted where a copy and its metadata will be written are replaced, not written through.
    await symlink(path.join(elsewhere, 'secret.jpg'), path.join(root, 'q.jpg'));
    await symlink(path.join(elsewhere, 'secret.jpg'), path.join(root, `q.jpg${METADATA_SUFFIX}`));
    await store.put('q.jpg', Buffer.from('top'), { metadata: { verdict: 'adversarial' } });
    expect(await readdir(elsewhere)).toEqual(['secret.jpg']);
    expect(await readFile(path.join(elsewhere, 'secret.jpg'), 'utf8')).toBe('secret');
    expect(await readFile(path.join(root, 'q.jpg'), 'utf8')).toBe('top');
    expect((await store.head('q.jpg')).metadata).toEqual({ verdict: 'adversarial' });
  });
});
