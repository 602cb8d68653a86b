import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import type { RgbImage } from '@advscreen/contracts';
import { BUNDLED_MODEL_SPEC, createOnnxModel, loadModelSpec } from '@advscreen/inference';
import { readCorpusManifest, writeSquareCorpus } from '@advscreen/pipeline';
import { LocalFolderStore } from '@advscreen/storage';
import { UsageError } from '../usage-error.ts';

/**
 * `advscreen attack square --manifest m.jsonl --out DIR`: Square attacks (query-only, no
 * gradients) on a corpus's clean lossless images against the main model, written with the clean
 * files as a corpus (manifest.jsonl) and alone (attacks.jsonl), for the benches and training.
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
  const eps = values.eps.split(',');
  if (!eps.every((text) => /^\d+\/255$/.test(text)))
    throw new UsageError('--eps takes values like 4/255,8/255');
  const maxQueries = Number(values.queries);
  const jpegQuality = Number(values['jpeg-quality']);
  const seed = Number(values.seed);
  if (!(maxQueries >= 1) || !(jpegQuality >= 1 && jpegQuality <= 100) || !Number.isInteger(seed))
    throw new UsageError('--queries must be >= 1, --jpeg-quality in 1..100, --seed an integer');

  const config = loadConfig();
  const manifest = await readCorpusManifest(values.manifest);
  const spec = loadModelSpec(values.model ?? BUNDLED_MODEL_SPEC);
  if (spec.output.kind !== 'classification') throw new UsageError('attack needs a classification model');
  const model = await createOnnxModel(spec, config.fleet.executionProvider);
  const started = performance.now();
  try {
    const lines = await writeSquareCorpus({
      manifest,
      store: new LocalFolderStore(manifest.root),
      out: values.out,
      victim: {
        name: `${spec.id}@${spec.version}`,
        inputSize: spec.input.size,
        probabilitiesOf: async (images: readonly RgbImage[]) =>
          (await model.run(images)).map((output) =>
            output.kind === 'classification' ? output.probabilities : [],
          ),
      },
      limits: config.decode,
      eps,
      maxQueries,
      seed,
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
    const attacks = lines.filter((line) => line.kind === 'adv' && line.format === 'png');
    const summary = eps.map((text) => {
      const of = attacks.filter((line) => line.eps === text);
      return `eps ${text}: ${of.filter((line) => line.success).length} of ${of.length} succeeded`;
    });
    process.stdout.write(
      `Square attack: ${summary.join('; ')}. Manifests: ${path.join(values.out, 'manifest.jsonl')} (with the clean files), ${path.join(values.out, 'attacks.jsonl')} (attacks only)\n`,
    );
    return 0;
  } finally {
    await model.close();
  }
}
