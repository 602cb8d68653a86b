import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CalibrationFile, DetectorModelFile } from '@advscreen/detection';
import { describe, expect, it } from 'vitest';
import { writeCleanImages } from './support/clean-images.ts';
import { REPO_ROOT, runCli } from './support/cli.ts';

const PHOTOS = path.join(REPO_ROOT, 'test/fixtures/photos');

describe('advscreen train-detector', () => {
  it('trains on a manifest and writes a loadable model and a report', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'advscreen-train-'));
    const out = path.join(dir, 'model.json');
    const result = await runCli([
      'train-detector',
      '--manifest',
      path.join(PHOTOS, 'manifest.jsonl'),
      '--out',
      out,
      '--folds',
      '3',
      '--version',
      'test',
      '--jpeg-reencode',
      '80,95,100',
      '--webp-reencode',
      '90',
      '--avif-reencode',
      '60',
      '--stripes-share',
      '0.6',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const model = DetectorModelFile.parse(JSON.parse(await readFile(out, 'utf8')));
    expect(model.version).toBe('test');
    // JPEG: 5 files and each of the 14 lossless files re-encoded at 80 and 95; the Square
    // file's two re-encodings train the stripes head with the 3 + 3 x 2 clean JPEGs instead.
    // Lossless: Square (one file) trains the stripes head with the 3 clean files.
    expect(model.branches.jpeg.dense.examples).toBe(5 + 2 * 14 - 2);
    expect(model.branches.jpeg.stripes?.examples).toBe(3 + 3 * 2 + 2);
    expect(model.branches.lossless.dense.examples).toBe(13);
    expect(model.branches.lossless.stripes?.examples).toBe(3 + 1);
    // The same re-encodings with full-resolution chroma train the JPEG 4:4:4 model, and those
    // with chroma halved across only (written by cjpeg) the 4:2:2 one.
    for (const coarse of [model.branches.jpeg444, model.branches.jpeg422]) {
      expect(coarse?.dense.examples).toBe(2 * 14 - 2);
      expect(coarse?.stripes?.examples).toBe(3 * 2 + 2);
    }
    // Quality 100 (finer than 95) trains the models for finely quantised JPEGs, per chroma.
    for (const fine of [model.branches.jpegFine, model.branches.jpeg444Fine, model.branches.jpeg422Fine]) {
      expect(fine?.dense.examples).toBe(14 - 1);
      expect(fine?.stripes?.examples).toBe(3 + 1);
    }
    expect(model.trainedOn.jpegReencodings).toEqual({
      qualities: [80, 95, 100],
      chroma: ['4:2:0', '4:4:4', '4:2:2'],
      examples: 126,
    });
    // The lossless files written as lossy WebP train the WebP model.
    expect(model.branches.webp?.dense.examples).toBe(14 - 1);
    expect(model.branches.webp?.stripes?.examples).toBe(3 + 1);
    expect(model.trainedOn.webpReencodings).toEqual({ qualities: [90], examples: 14 });
    // And written as AVIF (libaom effort 2 unless asked), the AVIF model.
    expect(model.branches.avif?.dense.examples).toBe(14 - 1);
    expect(model.branches.avif?.stripes?.examples).toBe(3 + 1);
    expect(model.trainedOn.avifReencodings).toEqual({ qualities: [60], effort: 2, examples: 14 });
    // A budget split other than half and half is recorded with the recipe.
    expect(model.trainedOn.stripesShare).toBe(0.6);
    const report = await readFile(path.join(dir, 'model.report.md'), 'utf8');
    expect(report).toMatch(/3-fold cross-validation grouped by source photo/);
    expect(report).toMatch(/\| PGD \| 8\/255 \| png \| 3 \|/);
    expect(report).toMatch(/CW-L2 never seen in training/);
    expect(report).toMatch(/\| 95 \| \d+% \(\d+\) \| PGD \| 8\/255 \| 3 \|/);
    expect(report).toMatch(/\| 100 \| \d+% \(\d+\) \| PGD \| 8\/255 \| 3 \|/);
    expect(report).toMatch(/JPEG above quality 95: a dense head/);
    expect(report).toMatch(/## The same re-encoded with full-resolution chroma \(4:4:4\)/);
    expect(report).toMatch(/## The same re-encoded with chroma halved across only \(4:2:2/);
    expect(report).toMatch(/JPEG 4:2:2 above quality 95: a dense head/);
    expect(report).toMatch(/lossy WebP: a dense head/);
    expect(report).toMatch(/## Lossless files written as lossy WebP, per quality/);
    expect(report).toMatch(/, 14 lossy WebP ones \(quality 90/);
    expect(report).toMatch(/AVIF: a dense head/);
    expect(report).toMatch(/## Lossless files written as AVIF, per quality/);
    expect(report).toMatch(/, 14 AVIF ones \(quality 60, libaom effort 2, for the AVIF model\)/);

    // The trained file drives a scan.
    const scan = await runCli(['scan', PHOTOS, '--detector-model', out, '--json']);
    expect(scan.code).toBe(0);
    expect(JSON.parse(scan.stdout).detector).toBe('residual-cooccurrence@test');
  });
});

describe('advscreen calibrate', () => {
  it('fits a threshold on clean images, reports the expected FPR, and scan uses it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'advscreen-calibrate-'));
    const clean = path.join(dir, 'clean');
    await writeCleanImages(clean, ['mirrored', 'flipped', 'rotated']);
    const out = path.join(dir, 'calibration.json');
    const result = await runCli(['calibrate', clean, '--target-fpr', '0.2', '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Expected FPR on the \d+ held-out images/);
    expect(result.stdout).toMatch(/Warning: 24 clean images are few/);
    const calibration = CalibrationFile.parse(JSON.parse(await readFile(out, 'utf8')));
    expect(calibration.detector).toBe('residual-cooccurrence@23');
    expect(calibration.sample.images).toBe(24);
    expect(calibration.expectedFpr.heldOut + calibration.sample.fitted).toBe(24);

    const scan = await runCli(['scan', clean, '--calibration', out, '--json']);
    expect(scan.code).toBe(0);
    const summary = JSON.parse(scan.stdout);
    expect(summary.threshold).toBe(calibration.threshold);
    expect(summary.thresholdSource).toMatch(/calibration/);

    // The detector role's setting applies to scan too, so the CLI and the fleet agree.
    const fromEnvironment = await runCli(['scan', clean, '--json'], { ADVSCREEN_CALIBRATION: out });
    expect(fromEnvironment.code).toBe(0);
    expect(JSON.parse(fromEnvironment.stdout).threshold).toBe(calibration.threshold);

    // Where the held-out false positives fall, per model of the detector.
    expect(result.stdout).toMatch(
      /by the detector's model:\n {2}jpeg \(12 images\): \d+\.\d\d% of \d+ held out\n {2}lossless \(12 images\)/,
    );

    // Grouped by photo, a photo's eight files (PNG, JPEG, three variants each) fall on one side of the split.
    const grouped = path.join(dir, 'grouped.json');
    const byPhoto = await runCli([
      'calibrate',
      clean,
      '--target-fpr',
      '0.2',
      '--group-pattern',
      '^(?<group>[a-z]+_\\d)',
      '--out',
      grouped,
    ]);
    expect(byPhoto.code).toBe(0);
    expect(byPhoto.stdout).toMatch(
      /held-out images \(split by --group-pattern into 3 groups, each on one side\)/,
    );
    const groupedCalibration = CalibrationFile.parse(JSON.parse(await readFile(grouped, 'utf8')));
    expect(groupedCalibration.expectedFpr.heldOut % 8).toBe(0);
    expect(calibration.expectedFpr.heldOut % 8).not.toBe(0);
  });

  it.each(['calibrate', 'calibrate-model'])(
    '%s refuses a group pattern without its named group',
    async (command) => {
      const result = await runCli([command, PHOTOS, '--group-pattern', '^([a-z]+)', '--out', '/dev/null']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--group-pattern needs a named group \(\?<group>\.\.\.\)/);
    },
  );

  it.each(['calibrate', 'calibrate-model'])(
    '%s refuses a sample too small to split: one line, exit 2',
    async (command) => {
      const dir = await mkdtemp(path.join(tmpdir(), `advscreen-${command}-few-`));
      await writeCleanImages(dir, []);
      const result = await runCli([command, dir, '--out', path.join(dir, 'out.json')]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/calibration needs more clean images \(got 6\)/);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    },
  );
});
