import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ImageTransform } from '@advscreen/attacks';
import { loadConfig } from '@advscreen/config';
import type { FloatRgbImage, RgbImage } from '@advscreen/contracts';
import {
  BUNDLED_MODEL_SPEC,
  createDifferentiableModel,
  createOnnxModel,
  jpegRoundTrip,
  loadModelSpec,
  translateImage,
  translationAdjoint,
} from '@advscreen/inference';
import {
  type CorpusAttack,
  cwCorpusAttack,
  deepFoolCorpusAttack,
  gradientCorpusAttack,
  readCorpusManifest,
  squareCorpusAttack,
  writeAttackCorpus,
} from '@advscreen/pipeline';
import { LocalFolderStore } from '@advscreen/storage';
import { UsageError } from '../usage-error.ts';

const KINDS = ['square', 'fgsm', 'pgd', 'cw', 'deepfool'] as const;

/**
 * What `--through-jpeg` (JPEG qualities) and `--through-shift` (pixels right and down) ask the
 * loss to go through: the consistency check's squeezer and its translated copy, for an attacker
 * who knows them (see the attacks' `through`).
 */
function lossTransforms(
  jpeg: string | undefined,
  shift: string | undefined,
): { transforms: ImageTransform[]; says: string } | undefined {
  const qualities = jpeg?.split(',').map(Number) ?? [];
  if (!qualities.every((q) => Number.isInteger(q) && q >= 1 && q <= 100))
    throw new UsageError('--through-jpeg takes JPEG qualities in 1..100, like 50,75');
  const shifts = shift?.split(',').map(Number) ?? [];
  if (!shifts.every((s) => Number.isInteger(s) && s >= 1 && s <= 16))
    throw new UsageError('--through-shift takes shifts of 1..16 pixels, like 2');
  const transforms: ImageTransform[] = [
    ...qualities.map((q) => ({ apply: (image: RgbImage) => jpegRoundTrip(image, q) })),
    ...shifts.map((s) => ({
      apply: (image: RgbImage) => translateImage(image, s, s),
      pullBack: (gradient: Float32Array, width: number, height: number) =>
        translationAdjoint(gradient, width, height, s, s),
    })),
  ];
  if (transforms.length === 0) return undefined;
  const says = [
    qualities.length > 0 ? `JPEG ${qualities.join(', ')} round trips` : null,
    shifts.length > 0 ? `copies shifted ${shifts.join(', ')} px right and down` : null,
  ]
    .filter((part) => part !== null)
    .join(' and ');
  return { transforms, says };
}

/**
 * `advscreen attack square|fgsm|pgd|cw|deepfool --manifest m.jsonl --out DIR`: attacks on a corpus's
 * clean lossless images against the main model, written with the clean files as a corpus
 * (manifest.jsonl) and alone (attacks.jsonl), for the benches and training. Square only queries
 * the model; the others use its gradients, from a backward pass added to the ONNX graph.
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
      start: { type: 'string', default: 'stripes' },
      overshoot: { type: 'string', default: '0.02' },
      c: { type: 'string', default: '1' },
      steps: { type: 'string' },
      on: { type: 'string', default: 'logits' },
      rounded: { type: 'boolean', default: false },
      'grey-axis': { type: 'boolean', default: false },
      'keep-flat': { type: 'boolean', default: false },
      'through-jpeg': { type: 'string' },
      'through-shift': { type: 'string' },
      'jpeg-quality': { type: 'string', default: '90' },
      limit: { type: 'string' },
    },
  });
  const kind = KINDS.find((k) => k === positionals[0]);
  if (!kind || positionals.length !== 1 || !values.manifest || !values.out)
    throw new UsageError(`attack takes one of ${KINDS.join(', ')}, --manifest FILE and --out DIR`);
  const jpegQuality = Number(values['jpeg-quality']);
  const on = values.on;
  const steps = Number(values.steps ?? { square: 1, fgsm: 1, pgd: 10, cw: 100, deepfool: 50 }[kind]);
  const c = Number(values.c);
  const seed = Number(values.seed);
  const eps = values.eps.split(',');
  const maxQueries = Number(values.queries);
  const overshoots = values.overshoot.split(',').map(Number);
  if (!(jpegQuality >= 1 && jpegQuality <= 100)) throw new UsageError('--jpeg-quality must be in 1..100');
  if ((on !== 'probabilities' && on !== 'logits') || !(steps >= 1) || !Number.isInteger(seed))
    throw new UsageError('--on takes probabilities or logits, --steps a number >= 1, --seed an integer');
  const start = values.start;
  if (start !== 'stripes' && start !== 'clean') throw new UsageError('--start takes stripes or clean');
  const epsNumerator = (text: string) => (/^\d+\/255$/.test(text) ? Number.parseInt(text, 10) : 0);
  if (!eps.every((text) => epsNumerator(text) >= 1 && epsNumerator(text) <= 255))
    throw new UsageError('--eps takes values from 1/255 to 255/255, like 4/255,8/255');
  const gradientOnly = ['grey-axis', 'keep-flat', 'through-jpeg', 'through-shift'] as const;
  if (gradientOnly.some((name) => values[name]) && kind !== 'fgsm' && kind !== 'pgd')
    throw new UsageError(`${gradientOnly.map((name) => `--${name}`).join(', ')} are for fgsm and pgd`);
  const through = lossTransforms(values['through-jpeg'], values['through-shift']);
  if (!(maxQueries >= 1) || !overshoots.every((v) => v >= 0) || !(c > 0))
    throw new UsageError('--queries must be >= 1, --overshoot values >= 0, --c > 0');

  const config = loadConfig();
  const manifest = await readCorpusManifest(values.manifest);
  const spec = loadModelSpec(values.model ?? BUNDLED_MODEL_SPEC);
  if (spec.output.kind !== 'classification') throw new UsageError('attack needs a classification model');
  const victimName = `${spec.id}@${spec.version}`;
  const model = await createOnnxModel(spec, config.fleet.executionProvider);
  const probabilitiesOf = async (images: readonly (RgbImage | FloatRgbImage)[]) =>
    (await model.run(images)).map((output) => (output.kind === 'classification' ? output.probabilities : []));
  const differentiable =
    kind === 'square' ? undefined : await createDifferentiableModel(spec, config.fleet.executionProvider);
  const started = performance.now();
  try {
    let attacks: CorpusAttack[];
    if (!differentiable) {
      attacks = eps.map((text) =>
        squareCorpusAttack({ eps: text, maxQueries, seed, start, probabilitiesOf, victimName }),
      );
    } else if (kind === 'deepfool') {
      const jacobianOf = differentiable.jacobian.bind(differentiable);
      const check = values.rounded ? 'rounded' : 'float';
      attacks = overshoots.map((overshoot) =>
        deepFoolCorpusAttack({ steps, overshoot, on, check, jacobianOf, victimName }),
      );
    } else {
      const victim = {
        logitsOf: differentiable.logits.bind(differentiable),
        gradientsOf: differentiable.gradients.bind(differentiable),
      };
      attacks =
        kind === 'cw'
          ? [cwCorpusAttack({ c, steps, victim, victimName })]
          : eps.map((text) =>
              gradientCorpusAttack({
                kind: kind === 'fgsm' ? 'FGSM' : 'PGD',
                eps: text,
                steps,
                seed,
                on,
                greyAxis: values['grey-axis'],
                keepFlat: values['keep-flat'],
                through,
                victim,
                victimName,
              }),
            );
    }
    const lines = await writeAttackCorpus({
      manifest,
      store: new LocalFolderStore(manifest.root),
      out: values.out,
      victim: { inputSize: spec.input.size, probabilitiesOf },
      limits: config.decode,
      attacks,
      jpegQuality,
      limit: values.limit ? Number(values.limit) : undefined,
      onProgress: process.stderr.isTTY
        ? (done, total) =>
            process.stderr.write(
              `\rattacked ${done} of ${total} images (${((performance.now() - started) / 1000).toFixed(0)} s)`,
            )
        : undefined,
    });
    if (process.stderr.isTTY) process.stderr.write('\n');
    const attacked = lines.filter((line) => line.kind === 'adv' && line.format === 'png');
    const summary = attacks.map((attack) => {
      const of = attacked.filter((line) => line.path.endsWith(`__${attack.name}_${attack.suffix}.png`));
      return `${attack.name} ${attack.suffix}: ${of.filter((line) => line.success).length} of ${of.length} succeeded`;
    });
    process.stdout.write(
      `${summary.join('; ')}. Manifests: ${path.join(values.out, 'manifest.jsonl')} (with the clean files), ${path.join(values.out, 'attacks.jsonl')} (attacks only)\n`,
    );
    return 0;
  } finally {
    await differentiable?.close();
    await model.close();
  }
}
