import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig } from '@advscreen/config';
import { CorpusManifestLine } from '@advscreen/contracts';
import { createResidualScorer, loadDetectorModel } from '@advscreen/detection';
import { decodeImage } from '@advscreen/imaging';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/cli.ts';

const PHOTOS = path.join(REPO_ROOT, 'test/fixtures/photos');

describe('the bundled detector on fixture photos', () => {
  it('loads, and scores clean fixtures below and strong attacks above its threshold', async () => {
    const model = loadDetectorModel();
    const scorer = createResidualScorer(model);
    const lines = (await readFile(path.join(PHOTOS, 'manifest.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => CorpusManifestLine.parse(JSON.parse(line)));
    const limits = loadConfig({}).decode;
    for (const line of lines) {
      const decoded = await decodeImage(await readFile(path.join(PHOTOS, line.path)), limits);
      const { score, signals } = scorer.score(decoded.analysis, decoded);
      expect(signals.jpegBranch, line.path).toBe(decoded.format === 'jpeg' ? 1 : 0);
      // These fixtures were part of the training corpus: this checks the shipped file and the
      // scoring path, not detection quality (docs/detection.md has held-out figures).
      if (line.kind === 'clean') expect(score, line.path).toBeLessThanOrEqual(scorer.threshold);
      if (line.attack === 'PGD' && line.format === 'png')
        expect(score, line.path).toBeGreaterThan(scorer.threshold);
      // Square leaves the residuals alone: its stripes head catches it.
      if (line.attack === 'Square') {
        expect(signals.stripesScore, line.path).toBeGreaterThan(scorer.threshold);
        expect(signals.denseScore, line.path).toBeLessThanOrEqual(scorer.threshold);
      }
    }
  });

  it('refuses a calibration made for another detector', () => {
    const model = loadDetectorModel();
    const calibration = {
      format: 'advscreen-calibration' as const,
      detector: 'something-else@9',
      threshold: 1,
      targetFpr: 0.01,
      expectedFpr: { estimate: 0.01, low: 0, high: 0.02, heldOut: 100 },
      sample: { location: 'x', images: 300, fitted: 200, rejected: 0 },
      createdAt: '2026-11-24T00:00:00Z',
    };
    expect(() => createResidualScorer(model, calibration)).toThrow(/calibration is for something-else@9/);
  });
});
