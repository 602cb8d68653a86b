import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './cli.ts';

/** Debian's Prometheus, unpacked into .tools/ by `npm test`, or one on PATH. */
export function prometheusBinary(name: 'prometheus' | 'promtool'): string {
  const unpacked = path.join(REPO_ROOT, '.tools/prometheus/usr/bin', name);
  return existsSync(unpacked) ? unpacked : name;
}

/** Runs promtool; resolves to its exit code and output. */
export async function promtool(args: string[], input?: string): Promise<{ code: number; output: string }> {
  const child = execFile(prometheusBinary('promtool'), args);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk;
  });
  child.stdin?.end(input ?? '');
  // 'close', not 'exit': the output streams may still hold data when the process exits.
  const [code] = (await once(child, 'close')) as [number];
  return { code, output };
}
