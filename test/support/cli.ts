import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = fileURLToPath(new URL('../../apps/cli/bin/advscreen.ts', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `advscreen` command in a child process, as a user would (from `cwd`: the repository). */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  cwd = REPO_ROOT,
): Promise<CliResult> {
  return runNode(CLI, args, { ADVSCREEN_LOG_LEVEL: 'warn', ...env }, cwd);
}

/** Runs one of the repository's scripts (`scripts/NAME`) in a child process, as its documented command does. */
export function runScript(name: string, args: string[]): Promise<CliResult> {
  return runNode(fileURLToPath(new URL(`../../scripts/${name}`, import.meta.url)), args, {}, REPO_ROOT);
}

async function runNode(
  file: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<CliResult> {
  const child = spawn(process.execPath, [file, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}
