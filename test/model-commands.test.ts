import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ModelChecksFile } from '@advscreen/inference';
import { describe, expect, it } from 'vitest';
import { writeCleanImages } from './support/clean-images.ts';
import { REPO_ROOT, runCli } from './support/cli.ts';
import { readVerdicts } from './support/verdicts.ts';

const PHOTOS = path.join(REPO_ROOT, 'test/fixtures/photos');

describe('advscreen scan --model', () => {
  it('runs the cascade in-process: detector, then the model with its checks', async () => {
    const out = path.join(await mkdtemp(path.join(tmpdir(), 'advscreen-cascade-')), 'v.jsonl');
    const result = await runCli(['scan', PHOTOS, '--model', 'default', '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const records = await readVerdicts(out);
    const images = records.filter((r) => r.verdict !== 'rejected');
    expect(images.length).toBe(17);
    for (const record of images) {
      if (record.verdict === 'clean') {
        expect(record.layer).toBeNull();
        expect(record.prediction?.label).toBeTypeOf('string');
        expect(record.consistency).toBeTypeOf('number');
      } else {
        expect(['detector', 'consistency', 'sanity']).toContain(record.layer);
      }
    }
    // Every clean fixture is a photo the model calls Neutral.
    for (const record of images.filter((r) => r.verdict === 'clean' && !r.key.includes('__'))) {
      expect(record.prediction?.label).toBe('Neutral');
    }
    expect(records.find((r) => r.key === 'dog_0__PGD_8-255.png')?.layer).toBe('detector');
  });
});

describe('advscreen calibrate-model', () => {
  it('fits the consistency threshold and confidence bound on clean images', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'advscreen-calibrate-model-'));
    const clean = path.join(dir, 'clean');
    await writeCleanImages(clean, ['mirrored', 'flipped']);
    const out = path.join(dir, 'checks.json');
    const result = await runCli([
      'calibrate-model',
      clean,
      '--out',
      out,
      '--target-fpr',
      '0.2',
      '--squeezers',
      'median2x2,bits5',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const checks = ModelChecksFile.parse(JSON.parse(await readFile(out, 'utf8')));
    expect(checks.model).toBe('mobilenetv2-moderation@nsfwjs-4.3.0');
    expect(checks.consistency.squeezers).toEqual(['median2x2', 'bits5']);
    expect(checks.sample.images).toBe(18);
    expect(checks.confidenceBound).toBeGreaterThan(0.5);
    expect(checks.confidenceBound).toBeLessThanOrEqual(1);
  });
});
