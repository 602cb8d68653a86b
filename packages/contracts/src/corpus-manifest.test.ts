import { describe, expect, it } from 'vitest';
import { CorpusManifestLine } from './corpus-manifest.ts';

describe('CorpusManifestLine', () => {
  it('reads the development corpus format, keeping fields it does not know', () => {
    const line = CorpusManifestLine.parse({
      path: 'adv/dog_0__FGSM_2-255.png',
      kind: 'adv',
      attack: 'FGSM',
      eps: '2/255',
      source_photo: 'darknet-dog',
      success: true,
      format: 'png',
      linf: 0.0078,
    });
    expect(line).toMatchObject({ eps: '2/255', format: 'png', linf: 0.0078 });
  });

  it('accepts a numeric eps, and takes the format from the extension when a line has none', () => {
    const line = CorpusManifestLine.parse({
      path: 'adv/cat_1__DeepFool.JPG',
      kind: 'adv',
      attack: 'DeepFool',
      eps: 0.02,
      source_photo: 'cat',
      success: true,
    });
    expect(line).toMatchObject({ eps: '0.02', format: 'jpeg' });
    const clean = CorpusManifestLine.parse({ path: 'clean/cat_1.png', kind: 'clean', source_photo: 'cat' });
    expect(clean).toMatchObject({ attack: null, eps: null, success: null, format: 'png' });
  });

  it('still rejects a line without a path, kind or source photo', () => {
    expect(
      CorpusManifestLine.safeParse({ path: 'a.png', kind: 'adversarial', source_photo: 'a' }).success,
    ).toBe(false);
    expect(CorpusManifestLine.safeParse({ path: 'a.png', kind: 'clean' }).success).toBe(false);
  });
});
