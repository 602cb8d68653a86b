import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Every temporary folder the tests make (theirs, the CLI processes they start, s3rver's) goes
 * under one root, removed when the run ends: os.tmpdir() follows TMPDIR, which the test workers
 * and their child processes inherit.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const root = await mkdtemp(path.join(tmpdir(), 'advscreen-tests-'));
  process.env.TMPDIR = root;
  return async () => {
    await rm(root, { recursive: true, force: true });
  };
}
