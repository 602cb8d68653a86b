import { UsageError } from './usage-error.ts';

/**
 * `--group-pattern REGEX` of the calibrate commands: the named group `group` of a key is the
 * group its image belongs to (e.g. `^(?<group>[^/]+)/` for one folder per sender). Keys it does
 * not match are groups of their own.
 */
export function parseGroupPattern(pattern: string | undefined): (key: string) => string | undefined {
  if (pattern === undefined) return () => undefined;
  let regex: RegExp;
  try {
    regex = new RegExp(pattern);
  } catch (error) {
    throw new UsageError(`--group-pattern: ${(error as Error).message}`);
  }
  if (!/\(\?<group>/.test(pattern)) throw new UsageError('--group-pattern needs a named group (?<group>...)');
  return (key) => regex.exec(key)?.groups?.group || undefined;
}

/** For the held-out line: how the sample was split, when a pattern grouped any of it. */
export function describeGroupSplit(samples: readonly { key: string; group?: string | undefined }[]): string {
  if (!samples.some((s) => s.group !== undefined)) return '';
  const groups = new Set(samples.map((s) => s.group ?? s.key)).size;
  return ` (split by --group-pattern into ${groups} groups, each on one side)`;
}
