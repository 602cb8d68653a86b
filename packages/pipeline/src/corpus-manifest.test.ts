import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InvalidInputFileError } from '@advscreen/contracts';
import { describe, expect, it } from 'vitest';
import { readCorpusManifest } from './corpus-manifest.ts';

describe('readCorpusManifest', () => {
  it('names the file, the line and the field of what is wrong, as an input-file error', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'advscreen-manifest-'));
    const file = path.join(dir, 'manifest.jsonl');
    await writeFile(file, '\n{"bad": 1}\n');
    await expect(readCorpusManifest(file)).rejects.toThrow(`${file}:2: path: `);
    await writeFile(file, 'not json\n');
    await expect(readCorpusManifest(file)).rejects.toThrow(`${file}:1: not JSON`);
    await expect(readCorpusManifest(`${file}.missing`)).rejects.toThrow(InvalidInputFileError);
  });
});
