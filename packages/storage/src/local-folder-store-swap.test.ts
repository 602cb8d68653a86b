import { execFileSync } from 'node:child_process';
import type { Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { LocalFolderStore } from './local-folder-store.ts';
import { NotAFileError } from './object-store.ts';

// An entry swapped after its check: lstat answers for the regular file that was there, then
// the open meets what replaced it. Only the open's own flags and its fstat stand in the way.
const checkedBeforeTheSwap = vi.hoisted(() => ({ stats: null as Stats | null }));
vi.mock('node:fs/promises', async (original) => {
  const real = await original<typeof import('node:fs/promises')>();
  return { ...real, lstat: async (file: string) => checkedBeforeTheSwap.stats ?? real.lstat(file) };
});

let root: string;

beforeEach(async () => {
  root = await fs.mkdtemp(path.join(tmpdir(), 'advscreen-swap-'));
  await fs.writeFile(path.join(root, 'plain.jpg'), 'plain');
  checkedBeforeTheSwap.stats = await fs.stat(path.join(root, 'plain.jpg'));
});

describe('LocalFolderStore, an entry swapped between its check and its open', () => {
  it('refuses a link instead of reading where it leads', async () => {
    await fs.symlink('/etc/hostname', path.join(root, 'swapped.jpg'));
    const store = new LocalFolderStore(root);
    await expect(store.read('swapped.jpg', 1000)).rejects.toThrow(NotAFileError);
  });

  it('refuses a named pipe instead of waiting on it for a writer', async () => {
    execFileSync('mkfifo', [path.join(root, 'swapped.png')]);
    const store = new LocalFolderStore(root);
    await expect(store.read('swapped.png', 1000)).rejects.toThrow('swapped.png is a named pipe');
  }, 5_000);
});
