import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CorpusManifestLine, InvalidInputFileError } from '@advscreen/contracts';

export interface CorpusManifest {
  /** Folder the manifest's paths are relative to: the manifest's own folder. */
  root: string;
  lines: CorpusManifestLine[];
}

/** Reads a JSONL corpus manifest, naming the line and field of the first invalid entry. */
export async function readCorpusManifest(file: string): Promise<CorpusManifest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InvalidInputFileError(`cannot read manifest ${file}: ${(error as Error).message}`);
  }
  const lines = text
    .split('\n')
    .map((line, index) => ({ line, number: index + 1 }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, number }) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        throw new InvalidInputFileError(`${file}:${number}: not JSON (${(error as Error).message})`);
      }
      const parsed = CorpusManifestLine.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new InvalidInputFileError(
          `${file}:${number}: ${issue?.path.join('.') || '(line)'}: ${issue?.message}`,
        );
      }
      return parsed.data;
    });
  return { root: path.dirname(path.resolve(file)), lines };
}

/** Writes corpus manifest lines as JSONL, one object per line, as readCorpusManifest reads them. */
export async function writeCorpusManifest(file: string, lines: readonly CorpusManifestLine[]): Promise<void> {
  await writeFile(file, `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`);
}
