import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type CorpusManifestLine, InvalidInputFileError } from '@advscreen/contracts';
import { LocalFolderStore } from '@advscreen/storage';
import { describe, expect, it } from 'vitest';
import { writeAttackCorpus } from './attack-corpus.ts';

const cleanLine = (file: string): CorpusManifestLine => ({
  path: file,
  kind: 'clean',
  attack: null,
  eps: null,
  source_photo: file,
  success: null,
  format: 'png',
});

describe('writeAttackCorpus', () => {
  it('refuses clean files of one name in two folders, which its flat clean/ would merge', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'advscreen-attack-corpus-'));
    const run = writeAttackCorpus({
      manifest: { root: out, lines: [cleanLine('a/dog.png'), cleanLine('b/dog.png')] },
      store: new LocalFolderStore(out),
      out,
      victim: {
        inputSize: 224,
        probabilitiesOf: async () => {
          throw new Error('no image should reach the model');
        },
      },
      limits: { maxBytes: 1e6, maxPixels: 1e6, timeoutMs: 1000, analysisSize: 224, acceptedFormats: ['png'] },
      attacks: [],
      jpegQuality: 90,
    });
    await expect(run).rejects.toThrow(InvalidInputFileError);
    await expect(run).rejects.toThrow('names two clean files dog.png (a/dog.png, b/dog.png)');
  });
});
