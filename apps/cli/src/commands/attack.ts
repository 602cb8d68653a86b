import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { seededRandom, squareAttack } from '@advscreen/attacks';
import { loadConfig } from '@advscreen/config';
import type { CorpusManifestLine, RgbImage } from '@advscreen/contracts';
import { decodeImage } from '@advscreen/imaging';
import { BUNDLED_MODEL_SPEC, createOnnxModel, loadModelSpec } from '@advscreen/inference';
import { readCorpusManifest } from '@advscreen/pipeline';
import { LocalFolderStore } from '@advscreen/storage';
import sharp from 'sharp';
import { UsageError } from '../usage-error.ts';

const BATCH = 16;

/**
 * `advscreen attack square --manifest m.jsonl --out DIR`: makes Square attacks (query-only, no
 * gradients) on a corpus's clean lossless images against the main model, and writes them with
 * the clean files and a manifest in the corpus format, ready for bench:detect and
 * bench:cascade. Untargeted, on the model's own clean prediction, like the corpus's attacks.
 */
export async function runAttackCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      manifest: { type: 'string' },
      out: { type: 'string' },
      model: { type: 'string' },
      eps: { type: 'string', default: '8/255' },
      queries: { type: 'string', default: '1000' },
      seed: { type: 'string', default: '1' },
      'jpeg-quality': { type: 'string', default: '90' },
      limit: { type: 'string' },
    },
  });
  if (positionals[0] !== 'square' || positionals.length !== 1 || !values.manifest || !values.out)
    throw new UsageError('attack takes: square --manifest FILE --out DIR [--eps 4/255,8/255] [--queries N]');
  const epsList = values.eps.split(',').map((text) => {
    const match = /^(\d+)\/255$/.exec(text);
    if (!match) throw new UsageError(`--eps takes values like 8/255, not ${text}`);
    return { text, steps: Number(match[1]) };
  });
  const maxQueries = Number(values.queries);
  const jpegQuality = Number(values['jpeg-quality']);
  if (!(maxQueries >= 1) || !(jpegQuality >= 1 && jpegQuality <= 100))
    throw new UsageError('--queries must be >= 1 and --jpeg-quality in 1..100');

  const config = loadConfig();
  const manifest = await readCorpusManifest(values.manifest);
  const store = new LocalFolderStore(manifest.root);
  const spec = loadModelSpec(values.model ?? BUNDLED_MODEL_SPEC);
  if (spec.output.kind !== 'classification') throw new UsageError('attack needs a classification model');
  const victim = await createOnnxModel(spec, config.fleet.executionProvider);
  const probabilitiesOf = async (images: readonly RgbImage[]) =>
    (await victim.run(images)).map((output) =>
      output.kind === 'classification' ? output.probabilities : [],
    );
  const topClass = async (image: RgbImage) => {
    const [probabilities] = await probabilitiesOf([image]);
    return (probabilities ?? []).indexOf(Math.max(...(probabilities ?? [])));
  };
  const decodeAtModelSize = async (bytes: Buffer) =>
    (await decodeImage(bytes, { ...config.decode, analysisSize: spec.input.size })).analysis;

  const out = values.out;
  await mkdir(path.join(out, 'clean'), { recursive: true });
  await mkdir(path.join(out, 'adv'), { recursive: true });
  const lines: CorpusManifestLine[] = [];
  const clean = manifest.lines.filter((line) => line.kind === 'clean');
  for (const line of clean) {
    const target = path.join('clean', path.basename(line.path));
    await copyFile(path.join(manifest.root, line.path), path.join(out, target));
    lines.push({ ...line, path: target });
  }
  const sources = clean
    .filter((line) => line.format === 'png')
    .slice(0, values.limit ? Number(values.limit) : undefined);
  const generator = `advscreen attack square (Andriushchenko et al. 2020), margin loss, p_init 0.8, ${maxQueries} queries, seed ${values.seed}, victim ${spec.id}@${spec.version}`;
  const started = performance.now();
  let done = 0;
  for (const eps of epsList) {
    const random = seededRandom(Number(values.seed));
    for (let at = 0; at < sources.length; at += BATCH) {
      const batch = sources.slice(at, at + BATCH);
      const images = await Promise.all(
        batch.map(async (line) => decodeAtModelSize(await store.read(line.path, config.decode.maxBytes))),
      );
      const labels = await Promise.all(
        batch.map(async (line, i) => line.label_clean ?? (await topClass(images[i] as RgbImage))),
      );
      const results = await squareAttack(images, labels, probabilitiesOf, {
        eps: eps.steps,
        maxQueries,
        random,
      });
      for (const [i, result] of results.entries()) {
        const line = batch[i] as CorpusManifestLine;
        const name = `${path.basename(line.path, path.extname(line.path))}__Square_${eps.text.replace('/', '-')}`;
        const raw = { raw: { width: result.image.width, height: result.image.height, channels: 3 as const } };
        const png = await sharp(result.image.data, raw).png().toBuffer();
        const base = {
          split: 'generated',
          kind: 'adv' as const,
          attack: 'Square',
          eps: eps.text,
          source_photo: line.source_photo,
          label_clean: labels[i],
          queries: result.queries,
          generator,
        };
        await writeFile(path.join(out, 'adv', `${name}.png`), png);
        lines.push({
          ...base,
          path: `adv/${name}.png`,
          format: 'png',
          success: result.success,
          pred: await topClass(result.image),
        });
        if (!result.success) continue;
        const jpeg = await sharp(png).jpeg({ quality: jpegQuality }).toBuffer();
        const reencoded = await decodeAtModelSize(jpeg);
        const pred = await topClass(reencoded);
        await writeFile(path.join(out, 'adv', `${name}_q${jpegQuality}.jpg`), jpeg);
        lines.push({
          ...base,
          path: `adv/${name}_q${jpegQuality}.jpg`,
          format: 'jpeg',
          jpeg_quality: jpegQuality,
          success: pred !== labels[i],
          pred,
        });
      }
      done += batch.length;
      if (process.stderr.isTTY)
        process.stderr.write(
          `\rattacked ${done} of ${sources.length * epsList.length} images (${((performance.now() - started) / 1000).toFixed(0)} s)`,
        );
    }
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  await victim.close();
  await writeFile(
    path.join(out, 'manifest.jsonl'),
    `${lines.map((line) => JSON.stringify(line)).join('\n')}\n`,
  );
  const attacks = lines.filter((line) => line.kind === 'adv' && line.format === 'png');
  const summary = epsList.map((eps) => {
    const of = attacks.filter((line) => line.eps === eps.text);
    return `eps ${eps.text}: ${of.filter((line) => line.success).length} of ${of.length} succeeded`;
  });
  process.stdout.write(
    `Square attack: ${summary.join('; ')}. Manifest: ${path.join(out, 'manifest.jsonl')}\n`,
  );
  return 0;
}
