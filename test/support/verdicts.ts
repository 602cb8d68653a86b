import { readFile } from 'node:fs/promises';
import { VerdictRecord } from '@advscreen/contracts';

/** Reads a scan's `--out` file, validating every line against the contract. */
export async function readVerdicts(file: string): Promise<VerdictRecord[]> {
  const text = await readFile(file, 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => VerdictRecord.parse(JSON.parse(line)));
}
