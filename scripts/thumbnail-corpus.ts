// node scripts/thumbnail-corpus.ts --manifest M.jsonl [--manifest ...] --out DIR --sizes 64,112,160
//   [--per-crop N] [--kernels lanczos3,cubic,mitchell,linear] [--fgsm 4,8] [--pgd 4,8] [--cw]
//   [--deepfool 0.02,0.5] [--square 4 [--queries 1000]] [--clean-quality 70-95] [--seed 1]
// Thumbnails: files smaller than the model's input, which the screening pipeline (and the model
// behind it) sees upscaled to 224 px. Each clean PNG crop of the manifests is written at
// `--per-crop` of the square sizes (all of them by default; else drawn at random), resized by a
// kernel drawn from `--kernels`, as PNG and as JPEG (quality drawn from `--clean-quality`).
// Attacks are made on the thumbnail's own pixels, through the upscale: the victim's loss is
// taken on sharp's bilinear upscale to the model's input, and its gradient carried back by that
// upscale's adjoint, read off impulses through sharp, so the attacker models the resize the
// pipeline does. DeepFool (at the given overshoots, on probabilities, as on the 19 other photos)
// linearises the model behind the upscale the same way; Square queries it (the modelled upscale,
// then the model). Each attack is written as PNG and, when it succeeds, as JPEG (quality 90);
// success is asked of the victim on the file decoded as the pipeline decodes it.
// For bench:detect, bench:cascade and train-detector (docs/detection.md, "Thumbnails").
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import {
  cwL2,
  fgsm,
  type GradientVictim,
  type JacobianOf,
  type ProbabilitiesOf,
  pgd,
  seededRandom,
} from '@advscreen/attacks';
import { loadConfig } from '@advscreen/config';
import type { CorpusManifestLine, FloatRgbImage, RgbImage } from '@advscreen/contracts';
import { decodeImage } from '@advscreen/imaging';
import {
  BUNDLED_MODEL_SPEC,
  createDifferentiableModel,
  createOnnxModel,
  loadModelSpec,
} from '@advscreen/inference';
import {
  type CorpusAttack,
  deepFoolCorpusAttack,
  readCorpusManifest,
  squareCorpusAttack,
  writeCorpusManifest,
} from '@advscreen/pipeline';
import sharp, { type KernelEnum } from 'sharp';
import { RESIZE_KERNELS } from './corpus-files.ts';

const { values } = parseArgs({
  options: {
    manifest: { type: 'string', multiple: true },
    out: { type: 'string' },
    sizes: { type: 'string' },
    'per-crop': { type: 'string' },
    kernels: { type: 'string', default: 'lanczos3' },
    fgsm: { type: 'string', default: '' },
    pgd: { type: 'string', default: '' },
    cw: { type: 'boolean', default: false },
    deepfool: { type: 'string', default: '' },
    square: { type: 'string', default: '' },
    queries: { type: 'string', default: '1000' },
    'clean-quality': { type: 'string', default: '90' },
    seed: { type: 'string', default: '1' },
  },
});
const sizes = (values.sizes ?? '').split(',').map(Number);
const kernels = values.kernels.split(',');
const numbers = (text: string) => (text ? text.split(',').map(Number) : []);
const settings = [
  ...numbers(values.fgsm).map((eps) => ({ kind: 'FGSM' as const, eps })),
  ...numbers(values.pgd).map((eps) => ({ kind: 'PGD' as const, eps })),
  ...(values.cw ? [{ kind: 'CW-L2' as const, eps: 0 }] : []),
  ...numbers(values.square).map((eps) => ({ kind: 'Square' as const, eps })),
];
const overshoots = numbers(values.deepfool);
const maxQueries = Number(values.queries);
const [qualityLow = Number.NaN, qualityHigh = qualityLow] = values['clean-quality'].split('-').map(Number);
const perCrop = Number(values['per-crop'] ?? sizes.length);
if (
  !values.manifest?.length ||
  !values.out ||
  !sizes.every((size) => Number.isInteger(size) && size >= 8) ||
  !kernels.every((k) => (RESIZE_KERNELS as readonly string[]).includes(k)) ||
  !settings.every(({ eps }) => Number.isInteger(eps) && eps >= 0) ||
  !overshoots.every((overshoot) => overshoot >= 0) ||
  !(maxQueries >= 1) ||
  !(perCrop >= 1) ||
  !(qualityLow >= 1 && qualityHigh >= qualityLow && qualityHigh <= 100)
) {
  console.error(
    'usage: node scripts/thumbnail-corpus.ts --manifest M.jsonl --out DIR --sizes 64,112,160 [--per-crop N]\n' +
      `  [--kernels ${RESIZE_KERNELS.join(',')}] [--fgsm 4,8] [--pgd 4,8] [--cw] [--deepfool 0.02,0.5]\n` +
      '  [--square 4 [--queries 1000]] [--clean-quality 70-95] [--seed 1]',
  );
  process.exit(2);
}

const config = loadConfig();
const spec = loadModelSpec(BUNDLED_MODEL_SPEC);
const inputSize = spec.input.size;
const model = await createOnnxModel(spec, config.fleet.executionProvider);
const differentiable =
  settings.length + overshoots.length > 0 ? await createDifferentiableModel(spec, 'cpu') : null;
const victimName = `${spec.id}@${spec.version}`;
const random = seededRandom(Number(values.seed));
const draw = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

/** Sharp's 1-D linear resize from n to inputSize samples: for each output sample, its taps. */
async function upscaleTaps(n: number): Promise<{ from: number; weight: number }[][]> {
  const taps: { from: number; weight: number }[][] = Array.from({ length: inputSize }, () => []);
  for (let from = 0; from < n; from++) {
    const impulse = new Uint8Array(3 * n).fill(255, 3 * from, 3 * from + 3);
    const row = await sharp(impulse, { raw: { width: n, height: 1, channels: 3 } })
      .resize(inputSize, 1, { fit: 'fill', kernel: 'linear' })
      .raw()
      .toBuffer();
    for (let x = 0; x < inputSize; x++)
      if (row[3 * x]) taps[x]?.push({ from, weight: (row[3 * x] as number) / 255 });
  }
  return taps;
}

/** The separable upscale of an n x n image (transpose: false) or its adjoint (transpose: true). */
function resample(
  taps: readonly { from: number; weight: number }[][],
  n: number,
  data: ArrayLike<number>,
  transpose: boolean,
): Float32Array {
  const [inSide, outSide] = transpose ? [inputSize, n] : [n, inputSize];
  // Rows first (each of inSide rows resampled across), then columns.
  const across = new Float32Array(3 * inSide * outSide);
  for (let y = 0; y < inSide; y++)
    for (let x = 0; x < inputSize; x++)
      for (const { from, weight } of taps[x] as { from: number; weight: number }[])
        for (let c = 0; c < 3; c++) {
          const [src, dst] = transpose
            ? [3 * (y * inputSize + x) + c, 3 * (y * n + from) + c]
            : [3 * (y * n + from) + c, 3 * (y * inputSize + x) + c];
          across[dst] = (across[dst] as number) + weight * (data[src] as number);
        }
  const out = new Float32Array(3 * outSide * outSide);
  for (let y = 0; y < inputSize; y++)
    for (const { from, weight } of taps[y] as { from: number; weight: number }[])
      for (let x = 0; x < outSide; x++)
        for (let c = 0; c < 3; c++) {
          const [src, dst] = transpose
            ? [3 * (y * outSide + x) + c, 3 * (from * outSide + x) + c]
            : [3 * (from * outSide + x) + c, 3 * (y * outSide + x) + c];
          out[dst] = (out[dst] as number) + weight * (across[src] as number);
        }
  return out;
}

/**
 * The attacks on n x n thumbnails, each against the model behind the pipeline's upscale: the
 * gradient attacks and DeepFool take their gradients back through its adjoint, Square queries it.
 */
async function thumbnailAttacks(n: number): Promise<CorpusAttack[]> {
  if (!differentiable) throw new Error('no attacks asked for');
  const taps = await upscaleTaps(n);
  const up = (image: { data: ArrayLike<number> }): FloatRgbImage => ({
    width: inputSize,
    height: inputSize,
    data: resample(taps, n, image.data, false),
  });
  const back = (gradient: Float32Array) => resample(taps, n, gradient, true);
  const victim: GradientVictim = {
    logitsOf: (images) => differentiable.logits(images.map(up)),
    gradientsOf: async (images, seeds) =>
      (await differentiable.gradients(images.map(up), seeds)).map(({ gradient }) => ({
        gradient: back(gradient),
      })),
  };
  const jacobianOf: JacobianOf = async (images) =>
    (await differentiable.jacobian(images.map(up))).map(({ logits, gradients }) => ({
      logits,
      gradients: gradients.map(back),
    }));
  const probabilitiesOf: ProbabilitiesOf = async (images) =>
    (await model.run(images.map(up))).map((output) =>
      output.kind === 'classification' ? output.probabilities : [],
    );
  const gradientAttack = (setting: (typeof settings)[number]): CorpusAttack => {
    const eps = setting.kind === 'CW-L2' ? 'c=1' : `${setting.eps}/255`;
    return {
      name: setting.kind,
      eps,
      suffix: eps.replace('/', '-').replace('=', ''),
      generator: `${setting.kind} ${eps}`,
      run: async (images, labels) =>
        (setting.kind === 'FGSM'
          ? await fgsm(images, labels, victim, { eps: setting.eps })
          : setting.kind === 'PGD'
            ? await pgd(images, labels, victim, { eps: setting.eps, steps: 10, random })
            : await cwL2(images, labels, victim, { c: 1, steps: 100 })
        ).map((image) => ({ image, record: {} })),
    };
  };
  return [
    ...settings.map((setting) =>
      setting.kind === 'Square'
        ? squareCorpusAttack({
            eps: `${setting.eps}/255`,
            maxQueries,
            seed: Number(values.seed),
            probabilitiesOf,
            victimName,
          })
        : gradientAttack(setting),
    ),
    ...overshoots.map((overshoot) =>
      deepFoolCorpusAttack({
        steps: 50,
        overshoot,
        on: 'probabilities',
        check: 'float',
        jacobianOf,
        victimName,
      }),
    ),
  ];
}

const topClassOf = async (bytes: Buffer) => {
  const [output] = await model.run([(await decodeImage(bytes, config.decode)).analysis]);
  return output?.kind === 'classification' ? output.index : -1;
};

const out = values.out;
await mkdir(path.join(out, 'clean'), { recursive: true });
await mkdir(path.join(out, 'adv'), { recursive: true });
const written: CorpusManifestLine[] = [];
/** Per size, the thumbnails to attack. */
const bySize = new Map<
  number,
  { name: string; line: CorpusManifestLine; image: RgbImage; label: number }[]
>();
for (const [index, file] of values.manifest.entries()) {
  const manifest = await readCorpusManifest(file);
  const prefix = values.manifest.length > 1 ? `m${index}_` : '';
  for (const line of manifest.lines.filter((l) => l.kind === 'clean' && l.format === 'png')) {
    const bytes = await readFile(path.join(manifest.root, line.path));
    const chosen = perCrop >= sizes.length ? sizes : [...sizes].sort(() => random() - 0.5).slice(0, perCrop);
    for (const size of chosen) {
      const kernel = draw(kernels);
      const png = await sharp(bytes)
        .resize(size, size, { fit: 'fill', kernel: kernel as keyof KernelEnum })
        .removeAlpha()
        .png()
        .toBuffer();
      const quality = qualityLow + Math.floor(random() * (qualityHigh - qualityLow + 1));
      const name = `${prefix}${line.path.replace(/\.png$/i, '').replaceAll('/', '_')}_${size}${kernel === 'lanczos3' ? '' : `_${kernel}`}`;
      const common = { ...line, split: `thumbnail-${size}`, generator: `thumbnail ${size} px (${kernel})` };
      await writeFile(path.join(out, 'clean', `${name}.png`), png);
      await writeFile(
        path.join(out, 'clean', `${name}_q${quality}.jpg`),
        await sharp(png).jpeg({ quality }).toBuffer(),
      );
      written.push({ ...common, path: `clean/${name}.png`, format: 'png' });
      written.push({
        ...common,
        path: `clean/${name}_q${quality}.jpg`,
        format: 'jpeg',
        jpeg_quality: quality,
      } as CorpusManifestLine);
      if (settings.length + overshoots.length === 0) continue;
      const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      const entry = {
        name,
        line,
        image: { width: size, height: size, data: new Uint8Array(data) },
        label: await topClassOf(png),
      };
      bySize.set(size, [...(bySize.get(size) ?? []), entry]);
    }
  }
}

async function writeManifests() {
  await writeCorpusManifest(path.join(out, 'manifest.jsonl'), written);
  await writeCorpusManifest(
    path.join(out, 'attacks.jsonl'),
    written.filter((line) => line.kind === 'adv'),
  );
}

const BATCH = 16;
let attacked = 0;
const total =
  [...bySize.values()].reduce((sum, list) => sum + list.length, 0) * (settings.length + overshoots.length);
for (const [size, entries] of bySize) {
  for (const attack of await thumbnailAttacks(size)) {
    for (let at = 0; at < entries.length; at += BATCH) {
      const batch = entries.slice(at, at + BATCH);
      const results = await attack.run(
        batch.map((e) => e.image),
        batch.map((e) => e.label),
      );
      for (const [i, { image, record }] of results.entries()) {
        const { name, line, label } = batch[i] as (typeof batch)[number];
        const file = `adv/${name}__${attack.name}_${attack.suffix}`;
        const png = await sharp(image.data, { raw: { width: size, height: size, channels: 3 } })
          .png()
          .toBuffer();
        const success = (await topClassOf(png)) !== label;
        const base = {
          kind: 'adv' as const,
          attack: attack.name,
          eps: attack.eps,
          source_photo: line.source_photo,
          label_clean: label,
          split: `thumbnail-${size}`,
          generator: `scripts/thumbnail-corpus.ts: ${attack.generator} on the ${size} px thumbnail through sharp's bilinear upscale to ${inputSize} px`,
          ...record,
        };
        await writeFile(path.join(out, `${file}.png`), png);
        written.push({ ...base, path: `${file}.png`, format: 'png', success });
        if (!success) continue;
        const jpeg = await sharp(png).jpeg({ quality: 90 }).toBuffer();
        await writeFile(path.join(out, `${file}_q90.jpg`), jpeg);
        const jpegSuccess = (await topClassOf(jpeg)) !== label;
        written.push({
          ...base,
          path: `${file}_q90.jpg`,
          format: 'jpeg',
          jpeg_quality: 90,
          success: jpegSuccess,
        } as CorpusManifestLine);
      }
      attacked += batch.length;
      if (process.stderr.isTTY) process.stderr.write(`\rattacked ${attacked} of ${total}`);
    }
    // Written after each size and setting, so that a long run stopped early leaves a corpus.
    await writeManifests();
  }
}
await writeManifests();
const attacks = written.filter((line) => line.kind === 'adv' && line.format === 'png');
console.log(
  `${written.length} files in ${out}: ${written.length - written.filter((l) => l.kind === 'adv').length} clean, ${attacks.length} attacks on PNG (${attacks.filter((l) => l.success).length} successful)`,
);
await differentiable?.close();
await model.close();
