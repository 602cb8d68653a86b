import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  argmax,
  cwL2,
  type DeepFoolOptions,
  deepFool,
  fgsm,
  type GradientVictim,
  type ImageTransform,
  type JacobianOf,
  type ProbabilitiesOf,
  pgd,
  seededRandom,
  squareAttack,
} from '@advscreen/attacks';
import { type CorpusManifestLine, InvalidInputFileError, type RgbImage } from '@advscreen/contracts';
import { type DecodeLimits, decodeImage } from '@advscreen/imaging';
import { makeFolder, type ObjectStore } from '@advscreen/storage';
import sharp from 'sharp';
import { type CorpusManifest, writeCorpusManifest } from './corpus-manifest.ts';

/** Images attacked together: one query each per model call. */
const BATCH = 16;

/** One attack setting to run on every clean image, e.g. Square at 8/255. */
export interface CorpusAttack {
  /** As manifests name it: `Square`, `DeepFool`. */
  name: string;
  /** The budget as manifests write it (`8/255`), or the setting of a minimal-perturbation attack (`c=1`). */
  eps: string;
  /** Added to file names after the attack's name, e.g. `8-255`. */
  suffix: string;
  generator: string;
  /** Attacked 8-bit images, one per input, with what the manifest should record of the run. */
  run(
    images: readonly RgbImage[],
    labels: readonly number[],
  ): Promise<{ image: RgbImage; record: Record<string, number | boolean> }[]>;
}

export interface AttackCorpusOptions {
  manifest: CorpusManifest;
  store: ObjectStore;
  /** Folder the corpus is written to: clean/, adv/, manifest.jsonl, attacks.jsonl. */
  out: string;
  victim: { probabilitiesOf: ProbabilitiesOf; inputSize: number };
  limits: DecodeLimits;
  attacks: readonly CorpusAttack[];
  /** Successful attacks are also re-encoded at this JPEG quality, as the dev corpus does. */
  jpegQuality: number;
  /** Attack only the first N clean lossless images. */
  limit?: number | undefined;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Square Attack at one L-inf budget (`8/255`); its randomness starts from `seed` for each budget.
 * Started from the clean image instead of the paper's stripes it is another attack for the
 * tables (`Square-from-clean`): an agent's next move once the stripes are refused.
 */
export function squareCorpusAttack(options: {
  eps: string;
  maxQueries: number;
  seed: number;
  start?: 'stripes' | 'clean';
  probabilitiesOf: ProbabilitiesOf;
  victimName: string;
}): CorpusAttack {
  const steps = epsSteps(options.eps);
  const random = seededRandom(options.seed);
  const fromClean = options.start === 'clean';
  return {
    name: fromClean ? 'Square-from-clean' : 'Square',
    eps: options.eps,
    suffix: options.eps.replace('/', '-'),
    generator: `advscreen attack square (Andriushchenko et al. 2020), margin loss, p_init 0.8, ${fromClean ? 'started from the clean image, ' : ''}${options.maxQueries} queries, seed ${options.seed}, victim ${options.victimName}`,
    run: async (images, labels) =>
      (
        await squareAttack(images, labels, options.probabilitiesOf, {
          eps: steps,
          maxQueries: options.maxQueries,
          start: options.start ?? 'stripes',
          random,
        })
      ).map((result) => ({ image: result.image, record: { queries: result.queries } })),
  };
}

/** The 8-bit steps of an L-inf budget written as manifests do (`8/255` -> 8). */
function epsSteps(eps: string): number {
  const steps = Number(/^(\d+)\/255$/.exec(eps)?.[1]);
  if (!(steps >= 1)) throw new Error(`eps must look like 8/255, not ${eps}`);
  return steps;
}

/**
 * FGSM or PGD at one L-inf budget, with the dev corpus's settings (PGD: 10 steps of eps/4 from a
 * uniform random start; cross-entropy on the logits unless `on` says otherwise).
 */
export function gradientCorpusAttack(options: {
  kind: 'FGSM' | 'PGD';
  eps: string;
  steps: number;
  seed: number;
  on: 'probabilities' | 'logits';
  /** Every channel of a pixel moved alike (see the attacks' `greyAxis`): a grey image stays grey. */
  greyAxis?: boolean;
  /** Pixels equal to a neighbour left unmoved (see the attacks' `keepFlat`): a graphic stays one. */
  keepFlat?: boolean;
  /** Transforms the loss is also taken through (see the attacks' `through`), and what the generator calls them. */
  through?: { transforms: readonly ImageTransform[]; says: string };
  victim: GradientVictim;
  victimName: string;
}): CorpusAttack {
  const eps = epsSteps(options.eps);
  const random = seededRandom(options.seed);
  const { on, steps } = options;
  const greyAxis = options.greyAxis === true;
  const keepFlat = options.keepFlat === true;
  const through = options.through?.transforms ?? [];
  const alike = `${greyAxis ? ', channels moved alike (grey axis)' : ''}${keepFlat ? ', flat areas kept' : ''}${options.through ? `, loss also through ${options.through.says} (EOT, straight-through gradients)` : ''}`;
  return {
    name: options.kind,
    eps: options.eps,
    suffix: options.eps.replace('/', '-'),
    generator:
      options.kind === 'FGSM'
        ? `advscreen attack fgsm (Goodfellow et al. 2015), cross-entropy on ${on}${alike}, victim ${options.victimName}`
        : `advscreen attack pgd (Madry et al. 2018), ${steps} steps of eps/4, random start, cross-entropy on ${on}${alike}, seed ${options.seed}, victim ${options.victimName}`,
    run: async (images, labels) =>
      (options.kind === 'FGSM'
        ? await fgsm(images, labels, options.victim, { eps, on, greyAxis, keepFlat, through })
        : await pgd(images, labels, options.victim, { eps, steps, on, random, greyAxis, keepFlat, through })
      ).map((image) => ({ image, record: {} })),
  };
}

/** CW-L2 with torchattacks' settings as the dev corpus used them (c = 1, kappa 0, 100 Adam steps, lr 0.01). */
export function cwCorpusAttack(options: {
  c: number;
  steps: number;
  victim: GradientVictim;
  victimName: string;
}): CorpusAttack {
  const { c, steps } = options;
  return {
    name: 'CW-L2',
    eps: `c=${c}`,
    suffix: `c${c}`,
    generator: `advscreen attack cw (Carlini and Wagner 2017), c ${c}, kappa 0, ${steps} Adam steps, lr 0.01, victim ${options.victimName}`,
    run: async (images, labels) =>
      (await cwL2(images, labels, options.victim, { c, steps })).map((image) => ({ image, record: {} })),
  };
}

/** DeepFool with the given settings (torchattacks': 50 steps, overshoot 0.02, on logits, float image checked). */
export function deepFoolCorpusAttack(
  options: Required<DeepFoolOptions> & { jacobianOf: JacobianOf; victimName: string },
): CorpusAttack {
  const { steps, overshoot, on, check } = options;
  return {
    name: 'DeepFool',
    // Its settings, as the dev corpus writes CW-L2's (`c=1`), so reports keep settings apart.
    eps: `os=${overshoot}${on === 'probabilities' ? ',probabilities' : ''}${check === 'rounded' ? ',8-bit' : ''}`,
    suffix: `os${overshoot}${on === 'probabilities' ? '_probabilities' : ''}${check === 'rounded' ? '_8bit' : ''}`,
    generator: `advscreen attack deepfool (Moosavi-Dezfooli et al. 2016), ${steps} steps, overshoot ${overshoot}, on ${on}, ${check === 'rounded' ? 'until the 8-bit image crosses' : 'float image checked'}, victim ${options.victimName}`,
    run: async (images, labels) =>
      (await deepFool(images, labels, options.jacobianOf, { steps, overshoot, on, check })).map((result) => ({
        image: result.image,
        record: { steps: result.steps, crossed: result.crossed },
      })),
  };
}

/** Perturbation size in the corpus's units (pixel values in [0, 1]). */
function perturbation(clean: RgbImage, attacked: RgbImage): { linf: number; l2: number } {
  let linf = 0;
  let squares = 0;
  for (let i = 0; i < clean.data.length; i++) {
    const d = Math.abs((attacked.data[i] as number) - (clean.data[i] as number)) / 255;
    linf = Math.max(linf, d);
    squares += d * d;
  }
  return { linf, l2: Math.sqrt(squares) };
}

/**
 * Makes an attack corpus from a corpus's clean lossless images, in the corpus's own format:
 * untargeted, on the model's clean prediction (`label_clean`, or the model's answer when the
 * manifest has none); success is the 8-bit file's class, as the dev corpus checks it.
 * `manifest.jsonl` holds the clean files (copied) and the attacks, for the benches;
 * `attacks.jsonl` the attacks alone, to add to the source corpus in train-detector. Returns the
 * lines written.
 */
export async function writeAttackCorpus(options: AttackCorpusOptions): Promise<CorpusManifestLine[]> {
  const { manifest, store, out, victim } = options;
  const topClass = async (image: RgbImage) => {
    const [probabilities = []] = await victim.probabilitiesOf([image]);
    return argmax(probabilities);
  };
  const decodeForVictim = async (bytes: Buffer) =>
    (await decodeImage(bytes, { ...options.limits, analysisSize: victim.inputSize })).analysis;

  await makeFolder(path.join(out, 'clean'));
  await makeFolder(path.join(out, 'adv'));
  const lines: CorpusManifestLine[] = [];
  const clean = manifest.lines.filter((line) => line.kind === 'clean');
  // The corpus written is flat: two clean files of one name would overwrite each other.
  const named = new Map<string, string>();
  for (const line of clean) {
    const first = named.get(path.basename(line.path));
    if (first !== undefined)
      throw new InvalidInputFileError(
        `the manifest names two clean files ${path.basename(line.path)} (${first}, ${line.path}): the attack corpus keeps one folder of clean files, so rename one`,
      );
    named.set(path.basename(line.path), line.path);
  }
  for (const line of clean) {
    const target = `clean/${path.basename(line.path)}`;
    await writeFile(path.join(out, target), await store.read(line.path, options.limits.maxBytes));
    lines.push({ ...line, path: target });
  }
  // PNG files, whatever way the manifest names them (route-corpus writes `gray`, `luma`, ...).
  const sources = clean.filter((line) => /\.png$/i.test(line.path)).slice(0, options.limit);
  let done = 0;
  for (const attack of options.attacks) {
    for (let at = 0; at < sources.length; at += BATCH) {
      const batch = sources.slice(at, at + BATCH);
      const images = await Promise.all(
        batch.map(async (line) => decodeForVictim(await store.read(line.path, options.limits.maxBytes))),
      );
      const labels = await Promise.all(
        batch.map(async (line, i) => line.label_clean ?? (await topClass(images[i] as RgbImage))),
      );
      const results = await attack.run(images, labels);
      for (const [i, result] of results.entries()) {
        const line = batch[i] as CorpusManifestLine;
        const name = `${path.basename(line.path, path.extname(line.path))}__${attack.name}_${attack.suffix}`;
        const raw = { raw: { width: result.image.width, height: result.image.height, channels: 3 as const } };
        const png = await sharp(result.image.data, raw).png().toBuffer();
        const pred = await topClass(result.image);
        const base = {
          split: 'generated',
          kind: 'adv' as const,
          attack: attack.name,
          eps: attack.eps,
          source_photo: line.source_photo,
          label_clean: labels[i],
          ...result.record,
          ...perturbation(images[i] as RgbImage, result.image),
          generator: attack.generator,
        };
        await writeFile(path.join(out, 'adv', `${name}.png`), png);
        lines.push({ ...base, path: `adv/${name}.png`, format: 'png', success: pred !== labels[i], pred });
        if (pred === labels[i]) continue;
        const jpeg = await sharp(png).jpeg({ quality: options.jpegQuality }).toBuffer();
        const jpegPred = await topClass(await decodeForVictim(jpeg));
        const jpegName = `${name}_q${options.jpegQuality}.jpg`;
        await writeFile(path.join(out, 'adv', jpegName), jpeg);
        lines.push({
          ...base,
          path: `adv/${jpegName}`,
          format: 'jpeg',
          jpeg_quality: options.jpegQuality,
          success: jpegPred !== labels[i],
          pred: jpegPred,
        });
      }
      done += batch.length;
      options.onProgress?.(done, sources.length * options.attacks.length);
    }
  }
  await writeCorpusManifest(path.join(out, 'manifest.jsonl'), lines);
  await writeCorpusManifest(
    path.join(out, 'attacks.jsonl'),
    lines.filter((line) => line.kind === 'adv'),
  );
  return lines;
}
