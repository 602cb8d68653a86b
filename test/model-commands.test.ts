import { copyFile, mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { flatPixels } from '@advscreen/attacks';
import type { CorpusManifestLine } from '@advscreen/contracts';
import { JOINT_FEATURES, ModelChecksFile } from '@advscreen/inference';
import { type CorpusManifest, readCorpusManifest } from '@advscreen/pipeline';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { writeCleanImages } from './support/clean-images.ts';
import { REPO_ROOT, runCli } from './support/cli.ts';
import { readVerdicts } from './support/verdicts.ts';

const PHOTOS = path.join(REPO_ROOT, 'test/fixtures/photos');

/** An attack file's pixels and its clean source's, from a corpus `advscreen attack` wrote. */
async function attackAndCleanPixels(
  folder: string,
  manifest: CorpusManifest,
  attack: CorpusManifestLine,
): Promise<[Buffer, Buffer]> {
  const clean = manifest.lines.find(
    (line) =>
      line.kind === 'clean' &&
      line.format === 'png' &&
      attack.path.startsWith(`adv/${path.basename(line.path, '.png')}__`),
  );
  if (!clean) throw new Error(`no clean file for ${attack.path}`);
  const decode = async (file: string) => (await sharp(path.join(folder, file)).raw().toBuffer()) as Buffer;
  return [await decode(attack.path), await decode(clean.path)];
}

describe('advscreen scan --model', () => {
  it('runs the cascade in-process: detector, then the model with its checks', async () => {
    const out = path.join(await mkdtemp(path.join(tmpdir(), 'advscreen-cascade-')), 'v.jsonl');
    const result = await runCli(['scan', PHOTOS, '--model', 'default', '--out', out, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    // The summary says whose operating points decide, and how to replace the bundled ones.
    expect(JSON.parse(result.stdout).model).toEqual({
      name: 'mobilenetv2-moderation@nsfwjs-4.3.0',
      checksSource: expect.stringMatching(
        /checks its spec names .*, calibrated on 1728 clean images .*calibrate-model/,
      ),
    });
    const records = await readVerdicts(out);
    const images = records.filter((r) => r.verdict !== 'rejected');
    expect(images.length).toBe(19);
    for (const record of images) {
      if (record.verdict === 'clean') {
        expect(record.layer).toBeNull();
        expect(record.prediction?.label).toBeTypeOf('string');
        expect(record.consistency).toBeTypeOf('number');
        // The bundled joint rule reads the translated copy, so every image the model saw has its distance.
        expect(record.translatedDistance).toBeTypeOf('number');
      } else {
        expect(['detector', 'consistency', 'sanity']).toContain(record.layer);
      }
    }
    // Every clean fixture is a photo the model calls Neutral.
    for (const record of images.filter((r) => r.verdict === 'clean' && !r.key.includes('__'))) {
      expect(record.prediction?.label).toBe('Neutral');
    }
    expect(records.find((r) => r.key === 'dog_0__PGD_8-255.png')?.layer).toBe('detector');
    // The summary counts quarantines by the check that decided them, as the lines say.
    const byLayer: Record<string, number> = {};
    for (const record of images.filter((r) => r.verdict === 'adversarial'))
      byLayer[record.layer as string] = (byLayer[record.layer as string] ?? 0) + 1;
    expect(JSON.parse(result.stdout).adversarialByLayer).toEqual(byLayer);
    expect(byLayer.sanity).toBeGreaterThan(0);
    // DeepFool stopped as soon as the 8-bit file crossed: on the decision boundary, invisible to the
    // detector, caught by the decision-margin bound.
    expect(records.find((r) => r.key === 'dog_0__DeepFool_os0.02_8bit.png')).toMatchObject({
      verdict: 'adversarial',
      layer: 'sanity',
      detail: 'prediction_on_decision_boundary',
    });
  });

  it('runs the bundled 10-term rule without the translated copy when its checks file is named', async () => {
    const out = path.join(await mkdtemp(path.join(tmpdir(), 'advscreen-cascade-')), 'v.jsonl');
    const checks = path.join(REPO_ROOT, 'models/mobilenetv2-moderation-224/checks-without-translation.json');
    const result = await runCli([
      'scan',
      PHOTOS,
      '--model',
      'default',
      '--model-checks',
      checks,
      '--out',
      out,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const images = (await readVerdicts(out)).filter((r) => r.verdict !== 'rejected');
    expect(images.length).toBe(19);
    const reachedModel = images.filter((r) => typeof r.consistency === 'number');
    expect(reachedModel.length).toBeGreaterThan(0);
    for (const record of reachedModel) expect(record.translatedDistance).toBeNull();
  });

  it('refuses checks whose joint rule was set on another detector, saying what to run', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'advscreen-cascade-'));
    const bundled = JSON.parse(
      await readFile(path.join(REPO_ROOT, 'models/mobilenetv2-moderation-224/checks.json'), 'utf8'),
    );
    const stale = path.join(dir, 'checks.json');
    await writeFile(
      stale,
      JSON.stringify({ ...bundled, joint: { ...bundled.joint, detector: 'residual-cooccurrence@9' } }),
    );
    const result = await runCli(['scan', PHOTOS, '--model', 'default', '--model-checks', stale, '--json']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(
      /joint rule was set on the scores of residual-cooccurrence@9, but the detector is residual-cooccurrence@23: run advscreen calibrate-model again/,
    );
  });
});

describe('advscreen calibrate-model', () => {
  it('fits the consistency threshold, confidence bound and decision-margin bound on clean images', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'advscreen-calibrate-model-'));
    const clean = path.join(dir, 'clean');
    await writeCleanImages(clean, ['mirrored', 'flipped']);
    // What is no usable clean image is passed over and counted, not a reason to stop.
    await writeFile(path.join(clean, 'huge.png'), Buffer.alloc(1_100_000, 7));
    await symlink('/etc/passwd', path.join(clean, 'link.png'));
    const out = path.join(dir, 'checks.json');
    const result = await runCli(
      ['calibrate-model', clean, '--out', out, '--target-fpr', '0.2', '--squeezers', 'median2x2,bits5'],
      { ADVSCREEN_MAX_BYTES: '1000000' },
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/on 18 clean images from .* \(2 rejected, not used\)/);
    const checks = ModelChecksFile.parse(JSON.parse(await readFile(out, 'utf8')));
    expect(checks.model).toBe('mobilenetv2-moderation@nsfwjs-4.3.0');
    expect(checks.consistency.squeezers).toEqual(['median2x2', 'bits5']);
    expect(checks.sample.images).toBe(18);
    expect(checks.confidenceBound).toBeGreaterThan(0.5);
    expect(checks.confidenceBound).toBeLessThanOrEqual(1);
    // 18 images are too few for a tail fit: the bound is the highest clean confidence seen.
    expect(checks.confidenceFit).toEqual({ method: 'max', exceedance: 0.001, images: 18 });
    expect(result.stdout).toMatch(/too few images for a tail fit/);
    // 18 margins are enough for the decision-margin bound (its tail is the 5 lowest).
    expect(checks.decisionMargin).toMatchObject({ exceedance: 0.002, images: 18 });
    expect(checks.decisionMargin?.bound).toBeGreaterThan(0);
    expect(result.stdout).toMatch(/Decision-margin bound: [\d.]+ .*lowest seen/);
    // The bundled joint rule was fitted with the JPEG squeezer alone: with others it is dropped.
    expect(checks.joint).toBeUndefined();
    expect(result.stdout).toMatch(/joint rule was fitted with other squeezers/);

    const withJoint = path.join(dir, 'checks-joint.json');
    const carried = await runCli(['calibrate-model', clean, '--out', withJoint, '--target-fpr', '0.2']);
    expect(carried.code).toBe(0);
    const joint = ModelChecksFile.parse(JSON.parse(await readFile(withJoint, 'utf8'))).joint;
    expect(joint?.features).toEqual([...JOINT_FEATURES]);
    expect(carried.stdout).toMatch(/Joint rule .* threshold moved to/);
    expect(joint?.threshold).toBeLessThan(1e6);
    // Its threshold now rests on the bundled detector's scores, and the file says so.
    expect(joint?.detector).toBe('residual-cooccurrence@23');
    // The floor under the detector's score moves with the rule (decision 0019).
    expect(joint?.detectorFloor).toBe(-3);
    // The sanity checks keep the share their bounds were fitted for (0.1% + 0.2%) out of its budget.
    expect(joint?.sanityShare).toBeCloseTo(0.003, 10);
    expect(carried.stdout).toMatch(/the detector and the sanity checks \(0\.3%\) flag 2% of these images/);

    // A detector calibrated to flag half of these images leaves the joint rule nothing of its 2% budget.
    const calibration = path.join(dir, 'calibration.json');
    expect((await runCli(['calibrate', clean, '--out', calibration, '--target-fpr', '0.5'])).code).toBe(0);
    const behindCalibrated = path.join(dir, 'checks-calibrated.json');
    const moved = await runCli([
      'calibrate-model',
      clean,
      '--out',
      behindCalibrated,
      '--target-fpr',
      '0.2',
      '--calibration',
      calibration,
    ]);
    expect(moved.code).toBe(0);
    const exhausted = ModelChecksFile.parse(JSON.parse(await readFile(behindCalibrated, 'utf8'))).joint;
    expect(exhausted?.threshold).toBe(Number.MAX_VALUE);
    expect(moved.stdout).toMatch(
      /Joint rule .*: off, it never fires: the detector already flags \d+ of these 18 images/,
    );
    expect(moved.stdout).not.toMatch(/e\+308/);
  });
});

describe('advscreen attack square|fgsm|pgd|cw', () => {
  it.each([
    // kind, manifest name and setting, the file suffix, extra flags, the largest change allowed
    ['square', 'Square', '8/255', '8-255', ['--queries', '40'], 8],
    ['square', 'Square-from-clean', '8/255', '8-255', ['--queries', '40', '--start', 'clean'], 8],
    ['fgsm', 'FGSM', '8/255', '8-255', [], 8],
    ['pgd', 'PGD', '8/255', '8-255', ['--steps', '2'], 8],
    ['cw', 'CW-L2', 'c=1', 'c1', ['--steps', '30'], 255],
  ])(
    '%s writes %s attacks within eps of their clean files, with the clean files and a corpus manifest',
    async (kind, name, setting, suffix, extra, maxChange) => {
      const out = await mkdtemp(path.join(tmpdir(), 'advscreen-attack-'));
      const result = await runCli([
        'attack',
        kind,
        '--manifest',
        path.join(PHOTOS, 'manifest.jsonl'),
        '--out',
        out,
        '--eps',
        '8/255',
        '--limit',
        '2',
        ...extra,
      ]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`${name} ${suffix}: \\d of 2 succeeded`));
      const manifest = await readCorpusManifest(path.join(out, 'manifest.jsonl'));
      const attacksOnly = await readCorpusManifest(path.join(out, 'attacks.jsonl'));
      expect(attacksOnly.lines).toEqual(manifest.lines.filter((line) => line.kind === 'adv'));
      const attacks = manifest.lines.filter((line) => line.kind === 'adv' && line.format === 'png');
      expect(attacks).toHaveLength(2);
      expect(manifest.lines.filter((line) => line.kind === 'clean').length).toBeGreaterThan(2);
      for (const attack of attacks) {
        expect(attack).toMatchObject({ attack: name, eps: setting });
        expect(typeof attack.success).toBe('boolean');
        const [adversarial, original] = await attackAndCleanPixels(out, manifest, attack);
        let linf = 0;
        for (let i = 0; i < original.length; i++)
          linf = Math.max(linf, Math.abs((adversarial[i] as number) - (original[i] as number)));
        // CW keeps the clean image until a step succeeds; the others always perturb.
        if (kind !== 'cw' || attack.success) expect(linf).toBeGreaterThan(0);
        expect(linf).toBeLessThanOrEqual(maxChange);
        expect(attack.linf).toBeCloseTo(linf / 255, 9);
      }
    },
  );
});

describe('advscreen attack, on a corpus written another way', () => {
  it('attacks the clean PNG files whatever format its manifest names (route-corpus writes luma, gray, ...)', async () => {
    const corpus = await mkdtemp(path.join(tmpdir(), 'advscreen-luma-corpus-'));
    const lines = (await readFile(path.join(PHOTOS, 'manifest.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((line) => line.kind === 'clean' && line.format === 'png')
      .map((line) => ({ ...line, format: 'luma' }));
    for (const line of lines) await copyFile(path.join(PHOTOS, line.path), path.join(corpus, line.path));
    await writeFile(
      path.join(corpus, 'manifest.jsonl'),
      `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`,
    );
    const out = path.join(corpus, 'out');
    const args = [
      '--manifest',
      path.join(corpus, 'manifest.jsonl'),
      '--out',
      out,
      '--eps',
      '8/255',
      '--limit',
      '1',
    ];
    const result = await runCli(['attack', 'fgsm', ...args]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/FGSM 8-255: \d of 1 succeeded/);
  });
});

describe('advscreen attack --keep-flat', () => {
  it('moves no pixel that equals a neighbour, so a graphic keeps every flat area', async () => {
    const corpus = await mkdtemp(path.join(tmpdir(), 'advscreen-graphics-corpus-'));
    await mkdir(path.join(corpus, 'img'));
    await copyFile(
      path.join(REPO_ROOT, 'test/fixtures/graphics/window.png'),
      path.join(corpus, 'img/window.png'),
    );
    const line = {
      path: 'img/window.png',
      kind: 'clean',
      attack: null,
      eps: null,
      source_photo: 'window',
      success: null,
    };
    await writeFile(path.join(corpus, 'manifest.jsonl'), `${JSON.stringify(line)}\n`);
    const out = path.join(corpus, 'out');
    const result = await runCli([
      'attack',
      'fgsm',
      '--manifest',
      path.join(corpus, 'manifest.jsonl'),
      '--out',
      out,
      '--eps',
      '16/255',
      '--keep-flat',
    ]);
    expect(result.stderr).toBe('');
    const attack = (await readCorpusManifest(path.join(out, 'attacks.jsonl'))).lines.find((attackLine) =>
      attackLine.path.endsWith('.png'),
    );
    if (!attack) throw new Error('no PNG attack written');
    expect(attack.generator).toMatch(/flat areas kept/);
    const pixels = async (file: string) =>
      await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const clean = await pixels(path.join(corpus, 'img/window.png'));
    const attacked = await pixels(path.join(out, attack.path));
    const image = { width: clean.info.width, height: clean.info.height, data: new Uint8Array(clean.data) };
    const flat = flatPixels(image);
    let moved = 0;
    for (let p = 0; p < flat.length; p++) {
      const changed = [0, 1, 2].some((c) => attacked.data[3 * p + c] !== clean.data[3 * p + c]);
      if (flat[p]) expect(changed, `flat pixel ${p}`).toBe(false);
      else if (changed) moved++;
    }
    expect(moved).toBeGreaterThan(100);
    await expect(
      runCli([
        'attack',
        'cw',
        '--manifest',
        path.join(corpus, 'manifest.jsonl'),
        '--out',
        out,
        '--keep-flat',
      ]),
    ).resolves.toMatchObject({ code: 2 });
  });
});

describe('advscreen attack --through-jpeg --through-shift', () => {
  it('takes FGSM and PGD through JPEG round trips and shifted copies, says so, and refuses other attacks or values', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'advscreen-through-jpeg-'));
    const manifest = path.join(PHOTOS, 'manifest.jsonl');
    const args = ['--manifest', manifest, '--out', out, '--limit', '1'];
    const result = await runCli([
      'attack',
      'pgd',
      ...args,
      '--eps',
      '8/255',
      '--steps',
      '2',
      '--through-jpeg',
      '50,75',
      '--through-shift',
      '2',
    ]);
    expect(result.stderr).toBe('');
    const { lines } = await readCorpusManifest(path.join(out, 'attacks.jsonl'));
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines)
      expect(line.generator).toMatch(
        /loss also through JPEG 50, 75 round trips and copies shifted 2 px right and down/,
      );
    await expect(runCli(['attack', 'cw', ...args, '--through-jpeg', '50'])).resolves.toMatchObject({
      code: 2,
    });
    await expect(runCli(['attack', 'fgsm', ...args, '--through-jpeg', '0'])).resolves.toMatchObject({
      code: 2,
    });
    await expect(runCli(['attack', 'pgd', ...args, '--through-shift', '17'])).resolves.toMatchObject({
      code: 2,
    });
    for (const eps of ['0/255', '300/255', '0.03'])
      await expect(runCli(['attack', 'fgsm', ...args, '--eps', eps])).resolves.toMatchObject({
        code: 2,
        stderr: expect.stringContaining('--eps takes values from 1/255 to 255/255'),
      });
  });
});

describe('advscreen attack deepfool', () => {
  it('writes DeepFool attacks through the model gradients, small and recorded with their size', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'advscreen-deepfool-'));
    const result = await runCli([
      'attack',
      'deepfool',
      '--manifest',
      path.join(PHOTOS, 'manifest.jsonl'),
      '--out',
      out,
      '--rounded',
      '--limit',
      '2',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/DeepFool os0.02_8bit: \d of 2 succeeded/);
    const manifest = await readCorpusManifest(path.join(out, 'manifest.jsonl'));
    const attacks = manifest.lines.filter((line) => line.kind === 'adv' && line.format === 'png');
    expect(attacks).toHaveLength(2);
    for (const attack of attacks) {
      expect(attack).toMatchObject({ attack: 'DeepFool', eps: 'os=0.02,8-bit', crossed: true });
      // Checked on the 8-bit image, so every crossing is a success.
      expect(attack.success).toBe(true);
      expect(attack.pred).not.toBe(attack.label_clean);
      const [adversarial, original] = await attackAndCleanPixels(out, manifest, attack);
      let squares = 0;
      for (let i = 0; i < original.length; i++)
        squares += ((adversarial[i] as number) - (original[i] as number)) ** 2;
      const l2 = Math.sqrt(squares) / 255;
      expect(attack.l2).toBeCloseTo(l2, 6);
      // A minimal perturbation: far below the dev corpus's CW-L2 (median L2 1.4).
      expect(l2).toBeGreaterThan(0);
      expect(l2).toBeLessThan(1);
    }
  });
});
