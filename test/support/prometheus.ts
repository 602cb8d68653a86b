import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './cli.ts';

type Tool = 'prometheus' | 'promtool' | 'prometheus-alertmanager' | 'amtool';

/** Debian's Prometheus and Alertmanager, unpacked into .tools/ by `npm test`, or ones on PATH. */
export function prometheusBinary(name: Tool): string {
  const unpacked = path.join(REPO_ROOT, '.tools/prometheus/usr/bin', name);
  return existsSync(unpacked) ? unpacked : name;
}

/** Runs promtool; resolves to its exit code and output. */
export function promtool(args: string[], input?: string): Promise<{ code: number; output: string }> {
  return runTool('promtool', args, input);
}

/** Runs amtool; resolves to its exit code and output. */
export function amtool(args: string[]): Promise<{ code: number; output: string }> {
  return runTool('amtool', args);
}

async function runTool(
  name: Tool,
  args: string[],
  input?: string,
): Promise<{ code: number; output: string }> {
  const child = execFile(prometheusBinary(name), args);
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
