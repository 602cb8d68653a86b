// npm run bench:jpeg-quality -- <manifest.jsonl> [--qualities 70,75,80,85,90,95]
// Real traffic is JPEG at any quality. Re-encodes every lossless file of a labelled corpus at
// each quality, checks with the victim model (the bundled spec) whether each re-encoded attack
// still succeeds, and compares three JPEG branches by grouped cross-validation, at the shipped
// threshold: trained on the corpus files alone on residual features only (how detector v1's JPEG
// model was built); with the quantisation-step feature and the re-encodings but no DCT features
// (v2-v4); and as shipped.
import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import {
  formatDetectionTable,
  formatReencodedTable,
  MERGED_RESIDUAL_FEATURE_COUNT,
  type TrainingExample,
  trainDetector,
} from '@advscreen/detection';
import { BUNDLED_MODEL_SPEC, createOnnxModel, loadModelSpec } from '@advscreen/inference';
import { buildTrainingExamples, readCorpusManifest } from '@advscreen/pipeline';
import { LocalFolderStore } from '@advscreen/storage';
import { stillFools } from './corpus-files.ts';
import { describeMachine } from './machine.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { qualities: { type: 'string', default: '70,75,80,85,90,95' } },
});
if (!positionals[0]) {
  console.error('usage: npm run bench:jpeg-quality -- <manifest.jsonl> [--qualities 70,80,90]');
  process.exit(2);
}
const reencodeQualities = values.qualities.split(',').map(Number);
const config = loadConfig();
const manifest = await readCorpusManifest(positionals[0]);
const victim = await createOnnxModel(loadModelSpec(BUNDLED_MODEL_SPEC), 'cpu');
const started = performance.now();
const examples = await buildTrainingExamples(manifest, new LocalFolderStore(manifest.root), config.decode, {
  reencodeQualities,
  async reencodedSuccess(line, image) {
    if (line.label_clean === undefined) return line.success === true;
    return stillFools(victim, image, line.label_clean);
  },
});
await victim.close();
console.log(
  `bench:jpeg-quality  ${positionals[0]}: ${manifest.lines.length} files, ${examples.length - manifest.lines.length} re-encodings (${((performance.now() - started) / 1000).toFixed(0)} s)`,
);
console.log(`machine             ${describeMachine()}`);
console.log('success of re-encoded attacks: checked with the victim model\n');

const options = { l2: 0.01, folds: 5, targetFpr: 0.01 };
/**
 * The JPEG dense head's features are the merged residual features, the quantisation step, then
 * the DCT features; its stripes head's end with the step. Earlier recipes had a prefix of them.
 */
const jpegFeaturesUpTo = (denseCount: number, withStep: boolean) => (e: TrainingExample) =>
  e.branch !== 'jpeg'
    ? e
    : {
        ...e,
        features: {
          dense: Array.from(e.features.dense as ArrayLike<number>).slice(0, denseCount),
          stripes: Array.from(e.features.stripes as ArrayLike<number>).slice(0, withStep ? undefined : -1),
        },
      };
const variants = [
  {
    name: 'v1 JPEG recipe: corpus files only, residual features only',
    result: trainDetector(examples.map(jpegFeaturesUpTo(MERGED_RESIDUAL_FEATURE_COUNT, false)), {
      ...options,
      trainOnReencoded: false,
    }),
  },
  {
    name: 'v2-v4 JPEG recipe: quantisation-step feature, trained on the re-encodings too, no DCT features',
    result: trainDetector(examples.map(jpegFeaturesUpTo(MERGED_RESIDUAL_FEATURE_COUNT + 1, true)), options),
  },
  {
    name: 'shipped recipe (v5): as v2-v4, plus DCT features',
    result: trainDetector(examples, options),
  },
];
for (const { name, result } of variants) {
  console.log(`=== ${name}`);
  console.log(
    formatDetectionTable(
      { ...result.crossValidation, rows: result.crossValidation.rows.filter((r) => r.format === 'jpeg') },
      'Corpus JPEG files (quality-90 attacks), thresholds at 1%/5% of the corpus clean files',
    ),
  );
  console.log(
    formatReencodedTable(
      result.reencoded['4:2:0'] ?? {},
      'Re-encoded lossless files, per quality, at the shipped threshold 0',
    ),
  );
}
