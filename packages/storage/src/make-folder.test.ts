import { existsSync } from 'node:fs';
import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeFolder } from './make-folder.ts';

describe('makeFolder', () => {
  it('makes a folder and its missing parents, and takes one that exists', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'advscreen-folder-'));
    const nested = path.join(root, 'a', 'b', 'c');
    await makeFolder(nested);
    expect((await stat(nested)).isDirectory()).toBe(true);
    await makeFolder(nested);
    await writeFile(path.join(root, 'file'), 'x');
    await expect(makeFolder(path.join(root, 'file', 'sub'))).rejects.toThrow(/ENOTDIR/);
  });

  it.runIf(existsSync('/proc/self'))(
    'fails where a parent exists but refuses its child (procfs), where Node spins forever',
    async () => {
      await expect(makeFolder('/proc/advscreen-no-such/held')).rejects.toThrow(/ENOENT/);
    },
    5_000,
  );
});
