// npm run bench:detect -- <manifest.jsonl> [more manifests, e.g. attacks.jsonl from advscreen attack]
//   [--detector-model model.json] [--calibration calibration.json]
// Scores every image of a labelled corpus through the worker's per-image stage (screenObject)
// and prints, per attack and eps, AUROC and TPR at 1% and 5% FPR for the detector and for the
// source article's baseline, the detector's per file format (each format's attacks against that
// format's clean images), then the detector at its shipped threshold, then timings.
import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import {
  BUNDLED_DETECTOR_PATH,
  createArticleBaselineScorer,
  createResidualScorer,
  formatDetectionTable,
  loadCalibration,
  loadDetectorModel,
  rateAbove,
  reportDetection,
  reportDetectionByFormat,
  type ScoredExample,
  type Scorer,
} from '@advscreen/detection';
import { screenObject } from '@advscreen/pipeline';
import { loadManifests } from './corpus-files.ts';
import { describeMachine } from './machine.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'detector-model': { type: 'string' }, calibration: { type: 'string' } },
});
if (!positionals[0]) {
  console.error(
    'usage: npm run bench:detect -- <manifest.jsonl> [more manifests] [--detector-model F] [--calibration F]',
  );
  process.exit(2);
}
const config = loadConfig();
// Every line with the store its path is relative to.
const files = (await loadManifests(positionals)).flatMap(({ manifest, store }) =>
  manifest.lines.map((line) => ({ line, store })),
);
const model = loadDetectorModel(values['detector-model'] ?? BUNDLED_DETECTOR_PATH);
const detector = createResidualScorer(
  model,
  values.calibration ? loadCalibration(values.calibration) : undefined,
);
const baseline = createArticleBaselineScorer();

async function scoreAll(scorer: Scorer) {
  const examples: ScoredExample[] = [];
  const decodeMs: number[] = [];
  const scoreMs: number[] = [];
  for (const { line, store } of files) {
    const { record } = await screenObject({ store, scorer, limits: config.decode }, line.path);
    if (record.score === null)
      throw new Error(`${line.path} was rejected: ${record.reason} ${record.detail}`);
    examples.push({
      score: record.score,
      adversarial: line.kind === 'adv',
      attack: line.attack,
      eps: line.eps,
      format: line.format,
      success: line.success,
    });
    decodeMs.push(record.timings?.decodeMs ?? Number.NaN);
    scoreMs.push(record.timings?.scoreMs ?? Number.NaN);
  }
  return { examples, decodeMs, scoreMs };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

console.log(`bench:detect  ${positionals.join(' + ')} (${files.length} images)`);
console.log(`machine       ${describeMachine()}\n`);
const results = [];
for (const scorer of [detector, baseline]) {
  // Warm the JIT and caches on a few images so timings describe steady state.
  for (const { line, store } of files.slice(0, 20))
    await screenObject({ store, scorer, limits: config.decode }, line.path);
  const scored = await scoreAll(scorer);
  results.push({ scorer, ...scored });
  console.log(
    formatDetectionTable(
      reportDetection(scored.examples),
      `${scorer.name}: thresholds set on this corpus's clean images`,
    ),
  );
}

const [main] = results;
if (main) {
  // Each kind of file has a model of its own, offset to 0 at its operating point: below those
  // points their scores are not on one scale, so the tables above also rank an attack's files
  // against other models' clean scores (docs/detection.md, "AUROC across models").
  const byFormat = reportDetectionByFormat(main.examples);
  for (const [format, report] of byFormat.size > 1 ? byFormat : []) {
    console.log(
      formatDetectionTable(
        report,
        `${main.scorer.name}: ${format} files against ${format} clean images only`,
      ),
    );
  }
  const clean = main.examples.filter((e) => !e.adversarial).map((e) => e.score);
  const t = main.scorer.threshold;
  console.log(
    `${main.scorer.name} at its shipped threshold ${t.toFixed(4)}: FPR ${(rateAbove(clean, t) * 100).toFixed(1)}% on ${clean.length} clean images`,
  );
  const byAttack = new Map<string, number[]>();
  for (const e of main.examples) {
    if (!e.adversarial || e.success !== true) continue;
    const key = `${e.attack} ${e.eps ?? '-'} ${e.format}`;
    byAttack.set(key, [...(byAttack.get(key) ?? []), e.score]);
  }
  for (const [key, scores] of [...byAttack].sort()) {
    console.log(`  TPR ${(rateAbove(scores, t) * 100).toFixed(0).padStart(3)}%  ${key} (n=${scores.length})`);
  }
}
console.log('\nms per image (median / mean), one core; all inputs, then JPEG and lossless apart:');
const formats = files.map(({ line }) => (line.format === 'jpeg' ? 'jpeg' : 'lossless'));
for (const r of results) {
  for (const part of ['all', 'jpeg', 'lossless'] as const) {
    const of = (ms: number[]) => ms.filter((_, i) => part === 'all' || formats[i] === part);
    const [decode, score] = [of(r.decodeMs), of(r.scoreMs)];
    if (score.length === 0) continue;
    console.log(
      `  ${r.scorer.name.padEnd(28)} ${part.padEnd(8)} (${String(score.length).padStart(4)}) decode ${median(decode).toFixed(2)} / ${mean(decode).toFixed(2)}   score ${median(score).toFixed(2)} / ${mean(score).toFixed(2)}`,
    );
  }
}
