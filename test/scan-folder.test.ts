import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFile, mkdir, mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { VerdictRecord } from '@advscreen/contracts';
import { encodeJpeg, encodeLossy, encodePalette } from '@advscreen/imaging';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from './support/cli.ts';
import { hostileFiles, noisyPng } from './support/hostile-files.ts';
import { nearDuplicatePngs } from './support/near-duplicates.ts';
import { readVerdicts } from './support/verdicts.ts';

const PHOTOS = path.join(REPO_ROOT, 'test/fixtures/photos');
let folder: string;
let photoKeys: string[];
let expectedRejections: Record<string, string>;
/**
 * A clean photo exported at quality 100 with 4:4:4 and with 4:2:2 chroma, and the branch signals
 * each must carry: the models for finely quantised JPEGs of their chroma score them (v11's 4:4:4
 * model and v12's 4:2:0 one, trained at 70-95, flagged them).
 */
const FINE_JPEGS = {
  'kite_1_q100_444.jpg': { chroma: '4:4:4', signals: ['fineQuantBranch', 'fullChromaBranch'] },
  'kite_1_q100_422.jpg': { chroma: '4:2:2', signals: ['fineQuantBranch', 'halfChromaBranch'] },
} as const;
/**
 * Lossy WebP (quality 90) and AVIF (quality 80, sharp's default effort) at the analysis size: a
 * clean photo and an attack each, scored by their own models (v14's WebP model; v15's AVIF model,
 * with the lossless model's second opinion). Before v14 the lossless model flagged no WebP attack;
 * this strong AVIF FGSM it did flag (it misses weaker FGSM and PGD: docs/decisions/0011-avif.md).
 */
const LOSSY_FILES = {
  'kite_1_q90.webp': { from: 'kite_1.png', format: 'webp', quality: 90, verdict: 'clean' },
  'kite_1__FGSM_16-255_q90.webp': {
    from: 'kite_1__FGSM_16-255.png',
    format: 'webp',
    quality: 90,
    verdict: 'adversarial',
  },
  'kite_1_q80.avif': { from: 'kite_1.png', format: 'avif', quality: 80, verdict: 'clean' },
  'kite_1__FGSM_16-255_q80.avif': {
    from: 'kite_1__FGSM_16-255.png',
    format: 'avif',
    quality: 80,
    verdict: 'adversarial',
  },
} as const;
/**
 * The same attack as a lossless AVIF: coded as RGB, it holds the PNG's pixels and is scored as
 * the PNG is, by the lossless model, not the AVIF model.
 */
const LOSSLESS_AVIF = { name: 'kite_1__FGSM_16-255_lossless.avif', from: 'kite_1__FGSM_16-255.png' };
/**
 * Palette images (dithered GIF, 8-bit palette PNG), scored by v16's palette model: v15's lossless
 * model read dithering as perturbation and flagged 43-45% of clean photos written so.
 */
const PALETTE_FILES = {
  'dog_0.gif': { from: 'dog_0.png', encoding: 'gif', verdict: 'clean' },
  'kite_1_png8.png': { from: 'kite_1.png', encoding: 'png8', verdict: 'clean' },
  'dog_0__FGSM_16-255.gif': { from: 'dog_0__FGSM_16-255.png', encoding: 'gif', verdict: 'adversarial' },
  'kite_1__FGSM_16-255_png8.png': {
    from: 'kite_1__FGSM_16-255.png',
    encoding: 'png8',
    verdict: 'adversarial',
  },
} as const;

beforeAll(async () => {
  folder = await mkdtemp(path.join(tmpdir(), 'advscreen-scan-'));
  await mkdir(path.join(folder, 'nested/deeper'), { recursive: true });
  photoKeys = [];
  for (const name of await readdir(PHOTOS)) {
    if (!/\.(png|jpg)$/.test(name)) continue;
    const key = photoKeys.length % 2 === 0 ? name : `nested/deeper/${name}`;
    await copyFile(path.join(PHOTOS, name), path.join(folder, key));
    photoKeys.push(key);
  }
  const jpeg = await readFile(path.join(PHOTOS, 'dog_0.jpg'));
  // A JPEG that must be resized for analysis: its block noise is averaged away, so the lossless model scores it.
  await writeFile(
    path.join(folder, 'dog_0_300px.jpg'),
    await sharp(jpeg).resize(300, 300).jpeg({ quality: 90 }).toBuffer(),
  );
  photoKeys.push('dog_0_300px.jpg');
  const kite = await readFile(path.join(PHOTOS, 'kite_1.png'));
  for (const [name, { chroma }] of Object.entries(FINE_JPEGS)) {
    await writeFile(path.join(folder, name), await encodeJpeg(kite, { quality: 100, chroma }));
    photoKeys.push(name);
  }
  for (const [name, { from, format, quality }] of Object.entries(LOSSY_FILES)) {
    await writeFile(
      path.join(folder, name),
      await encodeLossy(await readFile(path.join(PHOTOS, from)), format, { quality }),
    );
    photoKeys.push(name);
  }
  for (const [name, { from, encoding }] of Object.entries(PALETTE_FILES)) {
    await writeFile(
      path.join(folder, name),
      await encodePalette(await readFile(path.join(PHOTOS, from)), encoding),
    );
    photoKeys.push(name);
  }
  await writeFile(
    path.join(folder, LOSSLESS_AVIF.name),
    await sharp(path.join(PHOTOS, LOSSLESS_AVIF.from)).avif({ lossless: true, effort: 0 }).toBuffer(),
  );
  photoKeys.push(LOSSLESS_AVIF.name);
  expectedRejections = {};
  for (const [name, { bytes, reason }] of Object.entries(await hostileFiles(jpeg))) {
    await writeFile(path.join(folder, 'nested', name), bytes);
    expectedRejections[`nested/${name}`] = reason;
  }
  await writeFile(path.join(folder, 'oversized.png'), await noisyPng(700, 700));
  expectedRejections['oversized.png'] = 'too_large';
  // Listed and refused unread: a link could lead out of the folder, a pipe hang the read.
  await symlink('/etc/passwd', path.join(folder, 'escape.jpg'));
  expectedRejections['escape.jpg'] = 'not_a_file';
  execFileSync('mkfifo', [path.join(folder, 'nested', 'pipe.png')]);
  expectedRejections['nested/pipe.png'] = 'not_a_file';
  // A name that is not UTF-8 cannot be opened by the name Node reads for it (U+FFFD in its place).
  await writeFile(Buffer.from(`${folder}/nested/bad-\xff.jpg`, 'latin1'), jpeg);
  expectedRejections['nested/bad-\uFFFD.jpg'] = 'unsafe_key';
});

describe('advscreen scan <folder>', () => {
  it('says in one line, exit 2, when what it should read is missing, a file, or a malformed bucket', async () => {
    for (const [source, says] of [
      [path.join(PHOTOS, 'kite_1.png'), /kite_1\.png is not a folder: name the folder that holds it/],
      [path.join(tmpdir(), 'advscreen-no-such-folder'), /advscreen-no-such-folder does not exist/],
      ['s3://x', /s3:\/\/x is not a valid s3:\/\/bucket\/prefix location/],
    ] as const) {
      const result = await runCli(['scan', source, '--json']);
      expect(result.code, source).toBe(2);
      expect(result.stderr.split('\n')[0]).toMatch(says);
      expect(result.stderr).not.toMatch(/\bat .*\.ts:\d+/);
    }
    const calibrate = await runCli([
      'calibrate',
      path.join(PHOTOS, 'kite_1.png'),
      '--out',
      path.join(tmpdir(), 'c.json'),
    ]);
    expect(calibrate.code).toBe(2);
    expect(calibrate.stderr).toMatch(/is not a folder/);
    // A file it is told to load that is not what it should be: one line naming it, exit 2.
    const wrong = path.join(await mkdtemp(path.join(tmpdir(), 'advscreen-wrong-')), 'wrong.json');
    await writeFile(wrong, '{"format": "something else"}');
    for (const [flags, says] of [
      [['--calibration', wrong], 'is not a valid calibration file: format'],
      [['--detector-model', wrong], 'is not a valid detector model: format'],
      [['--model', wrong], 'is not a valid model spec: format'],
      [['--model', 'default', '--model-checks', wrong], 'is not a valid model checks file: format'],
      [['--calibration', `${wrong}.missing`], 'cannot read calibration file'],
    ] as const) {
      const result = await runCli(['scan', PHOTOS, ...flags, '--json']);
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stderr.split('\n')).toHaveLength(2);
      expect(result.stderr).toContain(says);
    }
    for (const [target, says] of [
      [PHOTOS, 'enqueue takes one s3://bucket/prefix'],
      ['s3://x', 's3://x is not a valid s3://bucket/prefix location'],
    ]) {
      const enqueue = await runCli(['enqueue', target as string]);
      expect(enqueue.code).toBe(2);
      expect(enqueue.stderr.split('\n')[0]).toBe(`advscreen: ${says}`);
    }
    // A fleet role without a setting it needs is a configuration error too.
    const role = await runCli(['worker', 'detector']);
    expect(role.code).toBe(2);
    expect(role.stderr).toBe('advscreen: the detector role needs ADVSCREEN_RESULTS\n');
  });

  it('stops on SIGINT with what it screened written and counted, exit 130', async () => {
    const many = await mkdtemp(path.join(tmpdir(), 'advscreen-interrupted-'));
    const names = (await readdir(PHOTOS)).filter((name) => /\.(png|jpg)$/.test(name));
    for (let copy = 0; copy < 40; copy++)
      for (const name of names) await copyFile(path.join(PHOTOS, name), path.join(many, `${copy}-${name}`));
    const out = path.join(many, '..', `${path.basename(many)}.jsonl`);
    const child = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, 'apps/cli/bin/advscreen.ts'),
        'scan',
        many,
        '--out',
        out,
        '--model',
        'default',
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    const exited = once(child, 'exit');
    // Interrupted once it has written a verdict, far from the end of its listing.
    for (let i = 0; i < 600; i++) {
      const written = await readFile(out, 'utf8').catch(() => '');
      if (written.includes('\n')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGINT');
    const [code] = await exited;
    expect(code).toBe(130);
    const summary = JSON.parse(stdout);
    expect(summary.aborted).toBe(true);
    expect(summary.total).toBeLessThan(names.length * 40);
    expect(summary.counts.clean + summary.counts.adversarial + summary.counts.rejected).toBe(summary.total);
    expect(await readVerdicts(out)).toHaveLength(summary.total);
  });

  it('writes verdict lines to standard output with --out -, the summary to standard error', async () => {
    const result = await runCli(['scan', PHOTOS, '--out', '-', '--json']);
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as VerdictRecord);
    const summary = JSON.parse(result.stderr);
    expect(lines).toHaveLength(summary.total);
    expect(lines.filter((line) => line.verdict === 'adversarial')).toHaveLength(summary.counts.adversarial);
    // A reader that stops early (`| head -1`) ends the scan quietly, as it would any pipeline's writer.
    const many = await mkdtemp(path.join(tmpdir(), 'advscreen-piped-'));
    for (let copy = 0; copy < 20; copy++)
      for (const name of await readdir(PHOTOS))
        await copyFile(path.join(PHOTOS, name), path.join(many, `${copy}-${name}`));
    const child = spawn(
      process.execPath,
      [path.join(REPO_ROOT, 'apps/cli/bin/advscreen.ts'), 'scan', many, '--out', '-', '--json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdout.once('data', () => child.stdout.destroy());
    const [code] = await once(child, 'exit');
    expect(stderr).toBe('');
    expect(code).toBe(141);
  });

  it('exits 1 when quarantine copies failed, every verdict still written', async () => {
    const out = path.join(await mkdtemp(path.join(tmpdir(), 'advscreen-unquarantined-')), 'verdicts.jsonl');
    // A file where the quarantine folder should be: no copy can be made under it.
    const result = await runCli([
      'scan',
      PHOTOS,
      '--out',
      out,
      '--quarantine',
      path.join(PHOTOS, 'kite_1.png'),
      '--json',
    ]);
    const summary = JSON.parse(result.stdout);
    expect(summary.counts.adversarial).toBeGreaterThan(0);
    expect(summary.quarantineFailures).toBe(summary.counts.adversarial);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `advscreen: ${summary.quarantineFailures} of ${summary.counts.adversarial} quarantine copies failed`,
    );
    expect(await readVerdicts(out)).toHaveLength(summary.total);
  });

  it('screens a folder again as the first time, its own verdicts file and quarantine inside it left out', async () => {
    const inside = await mkdtemp(path.join(tmpdir(), 'advscreen-rescan-'));
    for (const name of ['kite_1.png', 'dog_0.jpg', 'person_2__PGD_8-255.png'])
      await copyFile(path.join(PHOTOS, name), path.join(inside, name));
    const run = async () => {
      // As a user would run it from inside the folder: relative paths for all three.
      const result = await runCli(
        ['scan', '.', '--out', 'verdicts.jsonl', '--quarantine', 'held', '--json'],
        {},
        inside,
      );
      expect(result.code).toBe(0);
      return {
        summary: JSON.parse(result.stdout),
        records: await readVerdicts(path.join(inside, 'verdicts.jsonl')),
      };
    };
    const first = await run();
    expect(first.summary).toMatchObject({ total: 3, counts: { clean: 2, adversarial: 1, rejected: 0 } });
    expect((await readdir(path.join(inside, 'held'))).sort()).toEqual([
      'person_2__PGD_8-255.png',
      'person_2__PGD_8-255.png.advscreen.json',
      'person_2__PGD_8-255.png.metadata.json',
    ]);
    const second = await run();
    expect(second.summary).toMatchObject({ total: 3, counts: first.summary.counts });
    expect(second.records.map((r) => r.key).sort()).toEqual(first.records.map((r) => r.key).sort());
  });

  it('screens a folder of photos and hostile files to the end, one valid line per file', async () => {
    const out = path.join(folder, '..', `${path.basename(folder)}.jsonl`);
    const quarantine = await mkdtemp(path.join(tmpdir(), 'advscreen-quarantine-'));
    const result = await runCli(['scan', folder, '--out', out, '--quarantine', quarantine], {
      ADVSCREEN_MAX_BYTES: String(1_000_000),
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const records = await readVerdicts(out);
    const keys = records.map((r) => r.key).sort();
    expect(keys).toEqual([...photoKeys, ...Object.keys(expectedRejections)].sort());

    for (const [key, reason] of Object.entries(expectedRejections)) {
      const record = records.find((r) => r.key === key);
      expect(record, key).toMatchObject({ verdict: 'rejected', reason, score: null });
      expect(record?.detail, key).toBeTruthy();
    }
    for (const key of photoKeys) {
      const record = records.find((r) => r.key === key) as VerdictRecord;
      expect(['clean', 'adversarial']).toContain(record.verdict);
      expect(record.score).toBeTypeOf('number');
      const jpeg = record.format === 'jpeg';
      // The fixture photos are 224x224: JPEGs among them are scored on their own 8x8 blocks (a
      // dense and a stripes head, as PNGs); the 300 px one is resized for analysis and scored by
      // the resized model (dense head only) with the lossless models' second opinion (v17).
      const resized = key === 'dog_0_300px.jpg';
      const fine = FINE_JPEGS[key as keyof typeof FINE_JPEGS];
      const avifModel = record.format === 'avif' && key !== LOSSLESS_AVIF.name;
      // Colour files at the analysis size that no other model takes: the luminance model asks too (v19).
      const lossless = !jpeg && !resized && !avifModel && !(key in PALETTE_FILES) && record.format !== 'webp';
      expect(Object.keys(record.signals).sort()).toEqual(
        [
          ...(avifModel ? ['avifBranch'] : []),
          'chromaNoiseRate',
          'chromaStripes',
          'denseScore',
          ...(fine ? fine.signals : []),
          'flatShare',
          'jpegBranch',
          ...(jpeg ? ['jpegQuantStep'] : []),
          ...(lossless ? ['lumaScore'] : []),
          ...(key in PALETTE_FILES ? ['paletteBranch'] : []),
          ...(resized ? ['resizedBranch'] : []),
          ...(avifModel || resized ? ['secondOpinionScore'] : []),
          ...(resized ? [] : ['stripesScore']),
          ...(record.format === 'webp' ? ['webpBranch'] : []),
        ].sort(),
      );
      expect(record.signals.jpegBranch).toBe(jpeg && !resized ? 1 : 0);
      // The score is the larger head's (inputs resized for analysis have only the dense head), or
      // on AVIF the lossless model's second opinion where that is larger.
      expect(record.score).toBe(
        Math.max(
          record.signals.denseScore as number,
          record.signals.stripesScore ?? Number.NEGATIVE_INFINITY,
          record.signals.secondOpinionScore ?? Number.NEGATIVE_INFINITY,
        ),
      );
      expect(record.detector).toBe('residual-cooccurrence@23');
      expect(record.threshold).toBe(0);
    }
    for (const name of Object.keys(FINE_JPEGS))
      expect(records.find((r) => r.key === name)?.verdict, name).toBe('clean');
    for (const [name, { verdict }] of Object.entries({ ...LOSSY_FILES, ...PALETTE_FILES }))
      expect(records.find((r) => r.key === name)?.verdict, name).toBe(verdict);
    const losslessAvif = records.find((r) => r.key === LOSSLESS_AVIF.name);
    const png = records.find((r) => r.key.endsWith(LOSSLESS_AVIF.from));
    expect(losslessAvif).toMatchObject({ format: 'avif', verdict: 'adversarial', score: png?.score });

    // --json is implied when stdout is not a terminal: the summary is the only output line.
    const summaryLines = result.stdout.trim().split('\n');
    expect(summaryLines).toHaveLength(1);
    const summary = JSON.parse(summaryLines[0] as string);
    expect(summary.total).toBe(records.length);
    expect(summary.counts.rejected).toBe(Object.keys(expectedRejections).length);
    expect(summary.out).toBe(out);

    // Each adversarial verdict has a byte-identical copy and a sidecar in quarantine.
    const adversarial = records.filter((r) => r.verdict === 'adversarial');
    expect(adversarial.length).toBeGreaterThan(0);
    expect(summary.quarantined).toBe(adversarial.length);
    // Without the model stage or senders the detector decides every quarantine.
    expect(summary.adversarialByLayer).toEqual({ detector: adversarial.length });
    for (const record of adversarial) {
      const copy = await readFile(path.join(quarantine, record.key));
      expect(copy.equals(await readFile(path.join(folder, record.key)))).toBe(true);
      const sidecar = JSON.parse(
        await readFile(path.join(quarantine, `${record.key}.advscreen.json`), 'utf8'),
      );
      expect(sidecar).toMatchObject({ score: record.score, threshold: 0, detector: record.detector });
      expect(sidecar.source).toEqual({ location: folder, key: record.key });
    }
  });

  it('exits 2 with a usage message on a bad option value', async () => {
    const result = await runCli(['scan', folder, '--threshold', 'high']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--threshold must be a number/);
    // The model stage's options without the model stage would be ignored: said instead.
    const withoutModel = await runCli(['scan', folder, '--no-consistency']);
    expect(withoutModel.code).toBe(2);
    expect(withoutModel.stderr).toMatch(/are for the model stage: add --model default/);
    // A million lanes took 10 minutes of CPU on 11 files (each waits on the shared listing).
    for (const value of ['0', '2.5', '1000000']) {
      const lanes = await runCli(['scan', folder, '--concurrency', value]);
      expect(lanes.code, value).toBe(2);
      expect(lanes.stderr, value).toMatch(/--concurrency takes a whole number from 1 to 256/);
    }
  });

  it('exits 2 with a usage message, not a stack trace, on an unknown option; --help prints usage', async () => {
    const unknown = await runCli(['scan', folder, '--treshold', '0.5']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/Unknown option '--treshold'/);
    expect(unknown.stderr).toMatch(/Usage:\n {2}advscreen scan </);
    expect(unknown.stderr).not.toMatch(/advscreen calibrate/); // the scan's usage, not every command's
    expect(unknown.stderr).not.toMatch(/\n\s+at /); // no stack frames
    const help = await runCli(['attack', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/advscreen attack deepfool/);
  });

  it('still runs the source article baseline on request', async () => {
    const out = path.join(folder, '..', `${path.basename(folder)}-baseline.jsonl`);
    const result = await runCli(['scan', folder, '--baseline', '--out', out]);
    expect(result.code).toBe(0);
    const photo = (await readVerdicts(out)).find((r) => r.key === photoKeys[0]);
    expect(photo?.detector).toBe('article-baseline@1');
    expect(Object.keys(photo?.signals ?? {}).sort()).toEqual([
      'gradientCv',
      'highFrequencyRatio',
      'kurtosis',
    ]);
  });

  it("keeps each sender's query history when keys name senders, and quarantines the repeats", async () => {
    const uploads = await mkdtemp(path.join(tmpdir(), 'advscreen-senders-'));
    await mkdir(path.join(uploads, 'agent'));
    await mkdir(path.join(uploads, 'alice'));
    for (const [i, png] of (await nearDuplicatePngs(path.join(PHOTOS, 'kite_1.png'), 7)).entries())
      await writeFile(path.join(uploads, 'agent', `query-${i}.png`), png);
    for (const name of ['dog_0.png', 'dog_0.jpg', 'kite_1.png', 'kite_1.jpg', 'person_2.png', 'person_2.jpg'])
      await copyFile(path.join(PHOTOS, name), path.join(uploads, 'alice', name));
    const scan = async (env: Record<string, string>) => {
      const out = path.join(uploads, `..`, `${path.basename(uploads)}-${Object.keys(env).length}.jsonl`);
      const result = await runCli(['scan', uploads, '--out', out, '--json'], env);
      expect(result.code).toBe(0);
      return { records: await readVerdicts(out), summary: JSON.parse(result.stdout) };
    };

    const named = await scan({ ADVSCREEN_SOURCE_KEY_PATTERN: '^(?<source>[a-z]+)/' });
    expect(named.summary.queryHistory).toBe(true);
    const repeats = named.records.filter((r) => r.layer === 'query-history');
    // Whatever order the lanes take them in, the sixth and seventh of the agent's uploads repeat five or more.
    expect(repeats.map((r) => r.key.split('/')[0])).toEqual(['agent', 'agent']);
    expect(repeats.every((r) => r.verdict === 'adversarial' && (r.nearDuplicates ?? 0) >= 5)).toBe(true);
    expect(repeats[0]?.detail).toMatch(/near-duplicates of this one/);

    const unnamed = await scan({});
    expect(unnamed.summary.queryHistory).toBe(false);
    expect(unnamed.records.some((r) => r.layer === 'query-history' || r.nearDuplicates !== undefined)).toBe(
      false,
    );
  });

  it('refuses the screenable formats a deployment does not take (ADVSCREEN_ACCEPTED_FORMATS), with a reason', async () => {
    const out = path.join(folder, '..', `${path.basename(folder)}-accepted.jsonl`);
    const result = await runCli(['scan', folder, '--out', out, '--json'], {
      ADVSCREEN_ACCEPTED_FORMATS: 'jpeg,png',
      ADVSCREEN_MAX_BYTES: String(1_000_000),
    });
    expect(result.code).toBe(0);
    const records = await readVerdicts(out);
    const refused = photoKeys.filter((key) => /\.(webp|avif|gif)$/.test(key));
    expect(refused.length).toBeGreaterThanOrEqual(6);
    for (const key of photoKeys) {
      const record = records.find((r) => r.key === key);
      if (refused.includes(key)) {
        expect(record, key).toMatchObject({
          verdict: 'rejected',
          reason: 'format_not_accepted',
          score: null,
        });
        expect(record?.detail).toMatch(/images are not accepted here \(accepted: jpeg, png\)/);
      } else expect(record?.verdict, key).not.toBe('rejected');
    }
    expect(JSON.parse(result.stdout).rejectedReasons.format_not_accepted).toBe(refused.length);
  });

  it('exits 2 naming the variable on invalid configuration', async () => {
    const result = await runCli(['scan', folder], { ADVSCREEN_MAX_PIXELS: 'many' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/ADVSCREEN_MAX_PIXELS/);
  });
});
