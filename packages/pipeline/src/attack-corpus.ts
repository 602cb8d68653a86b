import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type ProbabilitiesOf, seededRandom, squareAttack } from '@advscreen/attacks';
import type { CorpusManifestLine, RgbImage } from '@advscreen/contracts';
import { type DecodeLimits, decodeImage } from '@advscreen/imaging';
import type { ObjectStore } from '@advscreen/storage';
import sharp from 'sharp';
import type { CorpusManifest } from './corpus-manifest.ts';

/** Images attacked together: one query each per model call. */
const BATCH = 16;

export interface SquareCorpusOptions {
  manifest: CorpusManifest;
  store: ObjectStore;
  /** Folder the corpus is written to: clean/, adv/, manifest.jsonl, attacks.jsonl. */
  out: string;
  victim: { probabilitiesOf: ProbabilitiesOf; inputSize: number; name: string };
  limits: DecodeLimits;
  /** L-inf budgets as written in manifests, e.g. `8/255`. */
  eps: readonly string[];
  maxQueries: number;
  seed: number;
  /** Successful attacks are also re-encoded at this JPEG quality, as the dev corpus does. */
  jpegQuality: number;
  /** Attack only the first N clean lossless images. */
  limit?: number | undefined;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Makes a Square attack corpus from a corpus's clean lossless images, in the corpus's own
 * format: untargeted, on the model's clean prediction (`label_clean`, or the model's answer
 * when the manifest has none). `manifest.jsonl` holds the clean files (copied) and the attacks,
 * for the benches; `attacks.jsonl` the attacks alone, to add to the source corpus in
 * train-detector. Returns the lines written.
 */
export async function writeSquareCorpus(options: SquareCorpusOptions): Promise<CorpusManifestLine[]> {
  const { manifest, store, out, victim } = options;
  const topClass = async (image: RgbImage) => {
    const [probabilities = []] = await victim.probabilitiesOf([image]);
    return probabilities.indexOf(Math.max(...probabilities));
  };
  const decodeForVictim = async (bytes: Buffer) =>
    (await decodeImage(bytes, { ...options.limits, analysisSize: victim.inputSize })).analysis;

  await mkdir(path.join(out, 'clean'), { recursive: true });
  await mkdir(path.join(out, 'adv'), { recursive: true });
  const lines: CorpusManifestLine[] = [];
  const clean = manifest.lines.filter((line) => line.kind === 'clean');
  for (const line of clean) {
    const target = `clean/${path.basename(line.path)}`;
    await copyFile(path.join(manifest.root, line.path), path.join(out, target));
    lines.push({ ...line, path: target });
  }
  const sources = clean.filter((line) => line.format === 'png').slice(0, options.limit);
  const generator = `advscreen attack square (Andriushchenko et al. 2020), margin loss, p_init 0.8, ${options.maxQueries} queries, seed ${options.seed}, victim ${victim.name}`;
  let done = 0;
  for (const eps of options.eps) {
    const steps = Number(/^(\d+)\/255$/.exec(eps)?.[1]);
    if (!(steps >= 1)) throw new Error(`eps must look like 8/255, not ${eps}`);
    const random = seededRandom(options.seed);
    for (let at = 0; at < sources.length; at += BATCH) {
      const batch = sources.slice(at, at + BATCH);
      const images = await Promise.all(
        batch.map(async (line) => decodeForVictim(await store.read(line.path, options.limits.maxBytes))),
      );
      const labels = await Promise.all(
        batch.map(async (line, i) => line.label_clean ?? (await topClass(images[i] as RgbImage))),
      );
      const results = await squareAttack(images, labels, victim.probabilitiesOf, {
        eps: steps,
        maxQueries: options.maxQueries,
        random,
      });
      for (const [i, result] of results.entries()) {
        const line = batch[i] as CorpusManifestLine;
        const name = `${path.basename(line.path, path.extname(line.path))}__Square_${eps.replace('/', '-')}`;
        const raw = { raw: { width: result.image.width, height: result.image.height, channels: 3 as const } };
        const png = await sharp(result.image.data, raw).png().toBuffer();
        const base = {
          split: 'generated',
          kind: 'adv' as const,
          attack: 'Square',
          eps,
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
        const jpeg = await sharp(png).jpeg({ quality: options.jpegQuality }).toBuffer();
        const pred = await topClass(await decodeForVictim(jpeg));
        const jpegName = `${name}_q${options.jpegQuality}.jpg`;
        await writeFile(path.join(out, 'adv', jpegName), jpeg);
        lines.push({
          ...base,
          path: `adv/${jpegName}`,
          format: 'jpeg',
          jpeg_quality: options.jpegQuality,
          success: pred !== labels[i],
          pred,
        });
      }
      done += batch.length;
      options.onProgress?.(done, sources.length * options.eps.length);
    }
  }
  const jsonl = (of: CorpusManifestLine[]) => `${of.map((line) => JSON.stringify(line)).join('\n')}\n`;
  await writeFile(path.join(out, 'manifest.jsonl'), jsonl(lines));
  await writeFile(path.join(out, 'attacks.jsonl'), jsonl(lines.filter((line) => line.kind === 'adv')));
  return lines;
}
