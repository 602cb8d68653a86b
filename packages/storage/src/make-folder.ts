import { mkdir } from 'node:fs/promises';
import path from 'node:path';

const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code;

/**
 * Creates a folder and its missing parents, as `mkdir -p`. Not Node's `{ recursive: true }`: it
 * spins at full CPU forever, deaf to SIGTERM, where a parent exists but refuses the child with
 * ENOENT (under /proc, on some FUSE mounts); here a second ENOENT once the parent is made is the answer.
 */
export async function makeFolder(folder: string): Promise<void> {
  try {
    await mkdir(folder);
    return;
  } catch (error) {
    if (codeOf(error) === 'EEXIST') return;
    if (codeOf(error) !== 'ENOENT' || path.dirname(folder) === folder) throw error;
  }
  await makeFolder(path.dirname(folder));
  try {
    await mkdir(folder);
  } catch (error) {
    if (codeOf(error) !== 'EEXIST') throw error;
  }
}
