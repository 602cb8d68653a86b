// npm run bench:cascade -- <manifest.jsonl> [more manifests, e.g. attacks.jsonl from advscreen attack]
// The whole cascade on a labelled corpus, through the embedded scan's stages: the detector,
// then the main model's consistency check and output sanity checks at their shipped operating
// points. Prints the consistency check alone (AUROC, TPR at 1%/5% FPR on this corpus's clean
// images) and, per attack, the share the cascade catches with the combined false-positive rate:
// in-sample (the shipped detector and checks, fitted on this corpus) and held out (detector
// scores out of fold by source photo; consistency threshold and confidence bound fitted on the
// other folds' clean images).
import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import type { CorpusManifestLine } from '@advscreen/contracts';
import {
  assignFolds,
  createResidualScorer,
  formatDetectionTable,
  loadDetectorModel,
  reportDetection,
  type ScoredExample,
  type TrainingExample,
  thresholdAtFpr,
  trainDetector,
} from '@advscreen/detection';
import {
  BUNDLED_MODEL_SPEC,
  createOnnxModel,
  fitConfidenceBound,
  inspectImages,
  loadModelChecks,
  loadModelSpec,
} from '@advscreen/inference';
import { buildTrainingExamples, readCorpusManifest, screenObject } from '@advscreen/pipeline';
import { LocalFolderStore } from '@advscreen/storage';
import { describeMachine } from './machine.ts';

const { positionals } = parseArgs({ allowPositionals: true });
if (!positionals[0]) {
  console.error('usage: npm run bench:cascade -- <manifest.jsonl> [more manifests]');
  process.exit(2);
}
const config = loadConfig();
const manifests = await Promise.all(
  positionals.map(async (file) => {
    const manifest = await readCorpusManifest(file);
    return { manifest, store: new LocalFolderStore(manifest.root) };
  }),
);
const detectorModel = loadDetectorModel();
const scorer = createResidualScorer(detectorModel);
const spec = loadModelSpec(BUNDLED_MODEL_SPEC);
const checks = loadModelChecks(spec.checksPath as string);
const model = await createOnnxModel(spec, 'cpu');
const settings = {
  consistency: { squeezers: checks.consistency.squeezers, threshold: checks.consistency.threshold },
  confidenceBound: checks.confidenceBound,
};

type Row = {
  line: CorpusManifestLine;
  detector: boolean;
  consistency: number;
  /** Top-class probability, for the confidence bound. */
  probability: number;
  /** A sanity failure that no calibration moves (non-finite output, probabilities off one). */
  structuralFailure: boolean;
  layer: string | null;
};
const rows: Row[] = [];
for (const { manifest, store } of manifests)
  for (const line of manifest.lines) {
    const { record, analysis } = await screenObject({ store, scorer, limits: config.decode }, line.path);
    if (!analysis || record.score === null) throw new Error(`${line.path} was rejected`);
    const [inspection] = await inspectImages(model, [analysis], settings);
    if (!inspection) throw new Error('no inspection');
    const detector = record.verdict === 'adversarial';
    rows.push({
      line,
      detector,
      consistency: inspection.consistency ?? 0,
      probability: inspection.prediction?.probability ?? 0,
      structuralFailure:
        inspection.failure?.layer === 'sanity' && inspection.failure.reason !== 'implausible_confidence',
      layer: detector ? 'detector' : (inspection.failure?.layer ?? null),
    });
  }
await model.close();

console.log(`bench:cascade  ${positionals.join(' + ')} (${rows.length} images)`);
console.log(`machine        ${describeMachine()}`);
console.log(
  `detector ${scorer.name} at threshold ${scorer.threshold}; consistency (${checks.consistency.squeezers.join(', ')}) at ${checks.consistency.threshold.toFixed(4)}; confidence bound ${checks.confidenceBound}\n`,
);
const asExample = (row: Row, score: number): ScoredExample => ({
  score,
  adversarial: row.line.kind === 'adv',
  attack: row.line.attack,
  eps: row.line.eps,
  format: row.line.format,
  success: row.line.success,
});
console.log(
  formatDetectionTable(
    reportDetection(rows.map((r) => asExample(r, r.consistency))),
    'Consistency check alone, thresholds set on this corpus',
  ),
);

const pct = (n: number, d: number) => `${((n / d) * 100).toFixed(0)}%`;
function printCascade(title: string, layerOf: (row: Row) => string | null): void {
  const clean = rows.filter((r) => r.line.kind === 'clean');
  const cleanLayers = clean.map(layerOf);
  const count = (layer: string) => cleanLayers.filter((l) => l === layer).length;
  console.log(
    `\n${title}: FPR ${((cleanLayers.filter((l) => l !== null).length / clean.length) * 100).toFixed(1)}% on ${clean.length} clean images ` +
      `(detector ${count('detector')}, consistency ${count('consistency')}, sanity ${count('sanity')})`,
  );
  console.log('| attack | eps | format | n | caught | by detector | by consistency | by sanity |');
  console.log('|---|---|---|---|---|---|---|---|');
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    if (row.line.kind !== 'adv' || row.line.success !== true) continue;
    const key = `${row.line.attack} | ${row.line.eps} | ${row.line.format}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  for (const [key, group] of [...groups].sort()) {
    const layers = group.map(layerOf);
    const by = (layer: string) => layers.filter((l) => l === layer).length;
    console.log(
      `| ${key} | ${group.length} | ${pct(layers.filter((l) => l !== null).length, group.length)} | ${pct(by('detector'), group.length)} | ${pct(by('consistency'), group.length)} | ${pct(by('sanity'), group.length)} |`,
    );
  }
}

printCascade('Cascade at its shipped operating points (in-sample)', (row) => row.layer);

const FOLDS = 5;
/** calibrate-model's default, for a checks file that took the sample's maximum. */
const CONFIDENCE_EXCEEDANCE = 0.001;
// The shipped detector's recipe (its re-encoding qualities) on these manifests, scored out of fold.
const examples: TrainingExample[] = [];
for (const { manifest, store } of manifests) {
  examples.push(
    ...(await buildTrainingExamples(manifest, store, config.decode, {
      reencodeQualities: detectorModel.trainedOn.jpegReencodings.qualities,
    })),
  );
}
const training = trainDetector(examples, { l2: 0.01, folds: FOLDS, targetFpr: detectorModel.targetFpr });
const outOfFold = training.outOfFold.filter((_, i) => examples[i]?.reencodedQuality === null);
const foldOf = assignFolds(
  rows.map((row) => row.line.source_photo),
  FOLDS,
);
const operatingPoints = Array.from({ length: FOLDS }, (_, fold) => {
  const otherClean = rows.filter((r) => r.line.kind === 'clean' && foldOf.get(r.line.source_photo) !== fold);
  return {
    consistency: thresholdAtFpr(
      otherClean.map((r) => r.consistency),
      checks.consistency.targetFpr,
    ),
    confidenceBound: fitConfidenceBound(
      otherClean.map((r) => r.probability),
      checks.confidenceFit?.exceedance ?? CONFIDENCE_EXCEEDANCE,
    ).bound,
  };
});
printCascade('Cascade held out (grouped 5-fold cross-validation by source photo)', (row) => {
  const index = rows.indexOf(row);
  const point = operatingPoints[foldOf.get(row.line.source_photo) as number];
  if (!point) throw new Error('no fold');
  if ((outOfFold[index] as number) > detectorModel.threshold) return 'detector';
  if (row.consistency > point.consistency) return 'consistency';
  if (row.structuralFailure || row.probability > point.confidenceBound) return 'sanity';
  return null;
});
