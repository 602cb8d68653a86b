import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CorpusManifestLine } from '@advscreen/contracts';

export interface CorpusManifest {
  /** Folder the manifest's paths are relative to: the manifest's own folder. */
  root: string;
  lines: CorpusManifestLine[];
}

/** Reads a JSONL corpus manifest, naming the line of the first invalid entry. */
export async function readCorpusManifest(file: string): Promise<CorpusManifest> {
  const text = await readFile(file, 'utf8');
  const lines = text
    .split('\n')
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, number }) => {
      const parsed = CorpusManifestLine.safeParse(JSON.parse(line));
      if (!parsed.success)
        throw new Error(`${file}:${number}: ${parsed.error.issues[0]?.message ?? 'invalid line'}`);
      return parsed.data;
    });
  return { root: path.dirname(path.resolve(file)), lines };
}

/** Writes corpus manifest lines as JSONL, one object per line, as readCorpusManifest reads them. */
export async function writeCorpusManifest(file: string, lines: readonly CorpusManifestLine[]): Promise<void> {
  await writeFile(file, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
}
