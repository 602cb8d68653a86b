#!/usr/bin/env node
// Entry point for `npx advscreen`. advscreen is TypeScript run by Node 24's type stripping; on an
// older Node this re-runs the command under the Node 24 that `./advscreen` fetches into .tools/,
// or says how to get one.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('./advscreen.ts', import.meta.url));
const major = Number(process.versions.node.split('.')[0]);
if (major >= 24) {
  await import(entry);
} else {
  const node24 = fileURLToPath(new URL('../../../.tools/node24/node_modules/node/bin/node', import.meta.url));
  if (!existsSync(node24)) {
    process.stderr.write(
      `advscreen needs Node 24 (this is Node ${process.versions.node}). Run ./advscreen once from the repository, which fetches it, or install Node 24.\n`,
    );
    process.exit(2);
  }
  const result = spawnSync(node24, [entry, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
