import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DETECTOR_FEATURES_ID, loadDetectorModel } from './detector-file.ts';

/** The bundled model as a v9-era file: the features it was trained with, no JPEG stripes head. */
async function asEarlierFile(keepJpegStripes: boolean): Promise<string> {
  const model = structuredClone(loadDetectorModel());
  const features = DETECTOR_FEATURES_ID.replace(/\|jpeg-stripes:.*$/, '|jpeg-stripes:+log-luma-quant-step');
  if (!keepJpegStripes) delete model.branches.jpeg.stripes;
  const file = path.join(await mkdtemp(path.join(tmpdir(), 'advscreen-detector-file-')), 'model.json');
  await writeFile(file, JSON.stringify({ ...model, features }));
  return file;
}

describe('loadDetectorModel', () => {
  it('loads the bundled detector, whose JPEG branch has a stripes head', () => {
    const model = loadDetectorModel();
    expect(model.features).toBe(DETECTOR_FEATURES_ID);
    expect(model.branches.jpeg.stripes).toBeDefined();
  });

  it('still loads a detector trained before the JPEG stripes head (v9 and earlier)', async () => {
    const model = loadDetectorModel(await asEarlierFile(false));
    expect(model.branches.jpeg.stripes).toBeUndefined();
  });

  it('refuses a JPEG stripes head under the earlier features, which had no luminance stripes', async () => {
    const file = await asEarlierFile(true);
    expect(() => loadDetectorModel(file)).toThrow(
      /branches\.jpeg\.stripes: a JPEG stripes head needs the current features/,
    );
  });
});
