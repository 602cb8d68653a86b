// npm run bench:cascade -- <manifest.jsonl>
// The whole cascade on a labelled corpus, through the embedded scan's stages: the detector,
// then the main model's consistency check and output sanity checks at their shipped operating
// points. Prints the consistency check alone (AUROC, TPR at 1%/5% FPR on this corpus's clean
// images) and, per attack, the share the cascade catches with the combined false-positive rate.
import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import {
  createResidualScorer,
  formatDetectionTable,
  loadDetectorModel,
  reportDetection,
  type ScoredExample,
} from '@advscreen/detection';
import {
  BUNDLED_MODEL_SPEC,
  createOnnxModel,
  inspectImages,
  loadModelChecks,
  loadModelSpec,
} from '@advscreen/inference';
import { readCorpusManifest, screenObject } from '@advscreen/pipeline';
import { LocalFolderStore } from '@advscreen/storage';
import { describeMachine } from './machine.ts';

const { positionals } = parseArgs({ allowPositionals: true });
if (!positionals[0]) {
  console.error('usage: npm run bench:cascade -- <manifest.jsonl>');
  process.exit(2);
}
const config = loadConfig();
const manifest = await readCorpusManifest(positionals[0]);
const store = new LocalFolderStore(manifest.root);
const scorer = createResidualScorer(loadDetectorModel());
const spec = loadModelSpec(BUNDLED_MODEL_SPEC);
const checks = loadModelChecks(spec.checksPath as string);
const model = await createOnnxModel(spec, 'cpu');
const settings = {
  consistency: { squeezers: checks.consistency.squeezers, threshold: checks.consistency.threshold },
  confidenceBound: checks.confidenceBound,
};

type Row = {
  line: (typeof manifest.lines)[number];
  detector: boolean;
  consistency: number;
  layer: string | null;
};
const rows: Row[] = [];
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
    layer: detector ? 'detector' : (inspection.failure?.layer ?? null),
  });
}
await model.close();

console.log(`bench:cascade  ${positionals[0]} (${rows.length} images)`);
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

const clean = rows.filter((r) => r.line.kind === 'clean');
const flaggedClean = clean.filter((r) => r.layer !== null);
console.log(
  `Cascade at its shipped operating points: FPR ${((flaggedClean.length / clean.length) * 100).toFixed(1)}% on ${clean.length} clean images ` +
    `(detector ${clean.filter((r) => r.layer === 'detector').length}, consistency ${clean.filter((r) => r.layer === 'consistency').length}, sanity ${clean.filter((r) => r.layer === 'sanity').length})`,
);
console.log('| attack | eps | format | n | caught | by detector | by consistency | by sanity |');
console.log('|---|---|---|---|---|---|---|---|');
const groups = new Map<string, Row[]>();
for (const row of rows) {
  if (row.line.kind !== 'adv' || row.line.success !== true) continue;
  const key = `${row.line.attack} | ${row.line.eps} | ${row.line.format}`;
  groups.set(key, [...(groups.get(key) ?? []), row]);
}
const pct = (n: number, d: number) => `${((n / d) * 100).toFixed(0)}%`;
for (const [key, group] of [...groups].sort()) {
  const by = (layer: string) => group.filter((r) => r.layer === layer).length;
  console.log(
    `| ${key} | ${group.length} | ${pct(group.filter((r) => r.layer !== null).length, group.length)} | ${pct(by('detector'), group.length)} | ${pct(by('consistency'), group.length)} | ${pct(by('sanity'), group.length)} |`,
  );
}
