import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import {
  BRANCHES,
  type Branch,
  DEFAULT_STRIPES_SHARE,
  DETECTOR_FEATURES_ID,
  type DetectorModelFile,
  formatDetectionTable,
  formatReencodedTable,
  isJpegBranch,
  REENCODING_KINDS,
  type ReencodingKind,
  type TrainedBranch,
  trainDetector,
} from '@advscreen/detection';
import { isJpegEncodeChroma } from '@advscreen/imaging';
import { AVIF_TRAINING_EFFORT, buildTrainingExamples, readCorpusManifest } from '@advscreen/pipeline';
import { LocalFolderStore, makeFolder } from '@advscreen/storage';
import { UsageError } from '../usage-error.ts';

const BRANCH_LABELS: Record<Branch, string> = {
  lossless: 'lossless',
  jpeg: 'JPEG',
  jpeg444: 'JPEG 4:4:4',
  jpegFine: 'JPEG above quality 95',
  jpeg444Fine: 'JPEG 4:4:4 above quality 95',
  jpeg422: 'JPEG 4:2:2',
  jpeg422Fine: 'JPEG 4:2:2 above quality 95',
  webp: 'lossy WebP',
  avif: 'AVIF',
  palette: 'palette (GIF, palette PNG)',
  grey: 'grey (grayscale files, colour files of a grey image)',
  resized: 'resized',
  resizedLossless: 'resized, second opinion (lossless models)',
  luma: 'luminance of lossless colour inputs (second opinion)',
  graphics: 'graphics (screenshots, diagrams, icons: lossless files mostly of flat areas)',
  thumbnail: 'thumbnails (lossless colour files smaller than the analysis size, on their own pixels)',
};

const REENCODED_TITLES: Record<ReencodingKind, string> = {
  '4:2:0':
    '## Lossless files re-encoded as JPEG, per quality (grouped cross-validation, at the shipped threshold 0)\n' +
    'Attack success is inherited from the lossless file (re-encoding can undo an attack); clean FPR is per quality.',
  '4:4:4': '## The same re-encoded with full-resolution chroma (4:4:4), scored by its own models',
  '4:2:2':
    "## The same re-encoded with chroma halved across only (4:2:2, libjpeg-turbo's cjpeg), scored by its own models",
  webp: '## Lossless files written as lossy WebP, per quality, scored by the WebP model',
  avif: '## Lossless files written as AVIF, per quality, scored by the AVIF model',
};

/** A re-encoding option's value: qualities 1-100, comma-separated, or none. */
function qualityList(value: string, flag: string, codec: string): number[] {
  const qualities = value === 'none' ? [] : value.split(',').map(Number);
  if (!qualities.every((q) => Number.isInteger(q) && q >= 1 && q <= 100))
    throw new UsageError(`--${flag} takes ${codec} qualities 1-100, comma-separated, or none`);
  return qualities;
}

/**
 * `advscreen train-detector --manifest m.jsonl --out model.json`: fits the detector on a
 * labelled corpus and writes the model plus a report of how it does on held-out photos and on
 * attack types it never saw.
 */
export async function runTrainDetectorCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      manifest: { type: 'string', multiple: true },
      'train-only': { type: 'string', multiple: true },
      'balance-attacks': { type: 'boolean', default: false },
      'stripes-share': { type: 'string', default: String(DEFAULT_STRIPES_SHARE) },
      out: { type: 'string' },
      id: { type: 'string', default: 'residual-cooccurrence' },
      version: { type: 'string', default: '7' },
      l2: { type: 'string', default: '0.01' },
      folds: { type: 'string', default: '5' },
      'target-fpr': { type: 'string', default: '0.01' },
      'jpeg-reencode': { type: 'string', default: '70,75,80,85,90,95,96,98,100' },
      'jpeg-chroma': { type: 'string', default: '4:2:0,4:4:4,4:2:2' },
      'webp-reencode': { type: 'string', default: '70,80,90,95' },
      'avif-reencode': { type: 'string', default: '40,55,70,85' },
      'avif-effort': { type: 'string', default: String(AVIF_TRAINING_EFFORT) },
    },
  });
  if (!values.manifest?.length || !values.out)
    throw new UsageError('train-detector needs --manifest FILE (one or more) and --out FILE');
  const l2 = Number(values.l2);
  const folds = Number(values.folds);
  const targetFpr = Number(values['target-fpr']);
  const stripesShare = Number(values['stripes-share']);
  if (
    !(l2 > 0) ||
    !(folds >= 2) ||
    !(targetFpr > 0 && targetFpr < 1) ||
    !(stripesShare > 0 && stripesShare < 1)
  ) {
    throw new UsageError('--l2 must be > 0, --folds >= 2, --target-fpr and --stripes-share in (0, 1)');
  }
  const reencodeQualities = qualityList(values['jpeg-reencode'], 'jpeg-reencode', 'JPEG');
  const webpQualities = qualityList(values['webp-reencode'], 'webp-reencode', 'WebP');
  const avifQualities = qualityList(values['avif-reencode'], 'avif-reencode', 'AVIF');
  const avifEffort = Number(values['avif-effort']);
  if (!(Number.isInteger(avifEffort) && avifEffort >= 0 && avifEffort <= 9))
    throw new UsageError('--avif-effort takes a libaom effort 0-9');
  const reencodeChroma = values['jpeg-chroma'].split(',');
  if (!reencodeChroma.every(isJpegEncodeChroma))
    throw new UsageError('--jpeg-chroma takes 4:2:0, 4:4:4 and/or 4:2:2 (needs cjpeg), comma-separated');
  const config = loadConfig();
  // Several manifests train one model (e.g. the corpus and attacks made from its photos by
  // `advscreen attack`); source photos keep their folds across them.
  // `--train-only` manifests (e.g. attacks made on extra photos) are trained on, not reported.
  const trainOnly = values['train-only'] ?? [];
  const examples = [];
  for (const file of [...values.manifest, ...trainOnly]) {
    const manifest = await readCorpusManifest(file);
    const store = new LocalFolderStore(manifest.root);
    examples.push(
      ...(await buildTrainingExamples(manifest, store, config.decode, {
        reencodeQualities,
        reencodeChroma,
        webpQualities,
        avifQualities,
        avifEffort,
        trainOnly: trainOnly.includes(file),
      })),
    );
  }
  const nameOf = (file: string) =>
    `${path.basename(path.dirname(path.resolve(file)))}/${path.basename(file)}`;
  const manifestNames = [
    ...values.manifest.map(nameOf),
    ...trainOnly.map((file) => `${nameOf(file)} (train only)`),
  ];
  const balanceAttacks = values['balance-attacks'];
  const result = trainDetector(examples, { l2, folds, targetFpr, balanceAttacks, stripesShare });
  const model: DetectorModelFile = {
    format: 'advscreen-detector',
    id: values.id,
    version: values.version,
    features: DETECTOR_FEATURES_ID,
    analysisSize: config.decode.analysisSize,
    branches: result.branches,
    threshold: 0,
    targetFpr,
    trainedOn: {
      manifest: manifestNames.join(' + '),
      examples: result.counts.examples,
      clean: result.counts.clean,
      groups: result.counts.groups,
      jpegReencodings: {
        qualities: reencodeQualities,
        chroma: reencodeChroma,
        examples: result.counts.reencoded,
      },
      ...(webpQualities.length > 0
        ? { webpReencodings: { qualities: webpQualities, examples: result.counts.webpReencoded } }
        : {}),
      ...(avifQualities.length > 0
        ? {
            avifReencodings: {
              qualities: avifQualities,
              effort: avifEffort,
              examples: result.counts.avifReencoded,
            },
          }
        : {}),
      ...(balanceAttacks ? { balanceAttacks } : {}),
      ...(stripesShare !== DEFAULT_STRIPES_SHARE ? { stripesShare } : {}),
    },
    createdAt: new Date().toISOString(),
  };
  await makeFolder(path.dirname(path.resolve(values.out)));
  await writeFile(values.out, `${JSON.stringify(model, null, 1)}\n`);

  const describeBranch = (branchName: Branch, branch: TrainedBranch) => {
    const name = BRANCH_LABELS[branchName];
    const jpeg = isJpegBranch(branchName);
    const dense = `a dense head (${jpeg ? 'residual and DCT' : 'residual'} features, ${branch.dense.examples} images)`;
    return branch.stripes
      ? `${name}: ${dense} and a stripes head (${jpeg ? 'chroma and luminance stripe' : 'stripe'} features, ${branch.stripes.examples} images), the larger score wins`
      : `${name}: ${dense}`;
  };
  const report = [
    `# Training report: ${values.id}@${values.version}`,
    '',
    `Manifests: ${manifestNames.join(' + ')}; ${result.counts.examples} images (${result.counts.clean} clean, ${result.counts.adversarial} adversarial) from ${result.counts.groups} source photos, plus ${result.counts.reencoded} JPEG re-encodings of its lossless files${result.counts.webpReencoded > 0 ? `, ${result.counts.webpReencoded} lossy WebP ones (quality ${webpQualities.join(', ')}, for the WebP model)` : ''}${result.counts.avifReencoded > 0 ? `, ${result.counts.avifReencoded} AVIF ones (quality ${avifQualities.join(', ')}, libaom effort ${avifEffort}, for the AVIF model)` : ''}.`,
    `Features: ${DETECTOR_FEATURES_ID}; L2-regularised logistic regression (l2 ${l2}), classes weighted equally${balanceAttacks ? ', and within the adversarial class every attack type' : ''}.`,
    `The JPEG branch also sees log(mean luminance quantisation step) and, on the encoder's own 8x8 blocks, luminance DCT features; it is trained on the lossless files re-encoded at quality ${reencodeQualities.join(', ') || '(none)'} (chroma ${reencodeChroma.join(', ')}${result.branches.jpeg444 || result.branches.jpeg422 || result.branches.jpegFine ? '; JPEGs with 4:4:4 or 4:2:2 chroma, and JPEGs quantised more finely than quality 95, have models of their own where the data has them, on the same features' : ''}).`,
    `${BRANCHES.flatMap((b) => {
      const branch = result.branches[b];
      if (!branch) return [];
      const described = describeBranch(b, branch);
      return [
        b === 'resized'
          ? `${described} (inputs resized for analysis, its operating point set on their clean files)`
          : described,
      ];
    }).join(
      '; ',
    )}. Each head's score is offset so that 0 is where its share of ${targetFpr * 100}% of the branch's out-of-fold clean scores (files at analysis size) lie above; the default threshold is 0.`,
    ...(result.resizedClean.examples > 0
      ? [
          `Clean files resized for analysis: ${result.resizedClean.examples}, trained on but left out of the tables below${result.branches.resized ? " (they set the resized model's operating point)" : ' and of the operating point'}; out of fold, ${(result.resizedClean.falsePositiveRate * 100).toFixed(1)}% of them score above the default threshold.`,
        ]
      : []),
    '',
    formatDetectionTable(
      result.crossValidation,
      `## Photos not seen in training (${folds}-fold cross-validation grouped by source photo)`,
    ),
    ...Object.entries(result.heldOutAttacks).map(([attack, r]) =>
      formatDetectionTable(
        r,
        `## ${attack} never seen in training (grouped cross-validation, ${attack} removed from every training fold)`,
      ),
    ),
    ...REENCODING_KINDS.flatMap((kind) => {
      const byQuality = result.reencoded[kind];
      return byQuality ? [formatReencodedTable(byQuality, REENCODED_TITLES[kind])] : [];
    }),
  ].join('\n');
  const reportFile = `${values.out.replace(/\.json$/, '')}.report.md`;
  await writeFile(reportFile, report);
  process.stdout.write(`${report}\nModel: ${values.out}\nReport: ${reportFile}\n`);
  return 0;
}
