// npm run bench:query-attack -- <manifest.jsonl> [--eps 4/255,8/255] [--queries 1000] [--images 24] [--seed 1]
//   [--start stripes,clean]
// Square Attack as an automated agent would run it against the product: every query is a PNG
// upload that goes through the whole embedded cascade (detector, then the main model with its
// consistency/joint rule and sanity checks). The agent sees the model's class probabilities
// for an upload that passes (the worst case: everything the model says) and a refusal for one
// that is quarantined, which it counts as no progress. Printed per budget, beside the same
// attack on the undefended model: how often the agent ends with an upload that passes and
// fools the model, how many of its queries were quarantined, and after how many queries the
// monitor's per-source alert (its rule: ADVSCREEN_ALERT_THRESHOLD quarantines in the window,
// beyond what ADVSCREEN_ALERT_EXPECTED_FPR explains; the queries all inside one window) would fire.
// `--start clean` runs the search from the clean image instead of the paper's full-image stripes,
// as an agent might once the stripes are refused.
import { parseArgs } from 'node:util';
import { argmax, type ProbabilitiesOf, seededRandom, squareAttack } from '@advscreen/attacks';
import { loadConfig } from '@advscreen/config';
import type { RgbImage } from '@advscreen/contracts';
import { createResidualScorer, loadDetectorModel } from '@advscreen/detection';
import { decodeImage } from '@advscreen/imaging';
import {
  BUNDLED_MODEL_SPEC,
  createModelStage,
  createOnnxModel,
  inspectionSettings,
  loadModelChecks,
  loadModelSpec,
  type ModelOutput,
} from '@advscreen/inference';
import { unusualCount } from '@advscreen/monitoring';
import { applyModelVerdict, detectorReading, readCorpusManifest, screenObject } from '@advscreen/pipeline';
import { LocalFolderStore } from '@advscreen/storage';
import sharp from 'sharp';
import { describeMachine } from './machine.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    eps: { type: 'string', default: '4/255,8/255' },
    queries: { type: 'string', default: '1000' },
    images: { type: 'string', default: '24' },
    seed: { type: 'string', default: '1' },
    start: { type: 'string', default: 'stripes,clean' },
  },
});
const manifestPath = positionals[0];
const starts = (values.start as string).split(',');
const budgets = (values.eps as string)
  .split(',')
  .map((eps) => ({ eps, steps: Number(/^(\d+)\/255$/.exec(eps)?.[1]) }));
if (
  !manifestPath ||
  !starts.every((s): s is 'stripes' | 'clean' => s === 'stripes' || s === 'clean') ||
  !budgets.every((b) => b.steps >= 1)
) {
  console.error(
    'usage: npm run bench:query-attack -- <manifest.jsonl> [--eps 4/255,8/255] [--queries 1000] [--images 24] [--seed 1] [--start stripes,clean]',
  );
  process.exit(2);
}
const maxQueries = Number(values.queries);
const config = loadConfig();
const detectorModel = loadDetectorModel();
const scorer = createResidualScorer(detectorModel);
const spec = loadModelSpec(BUNDLED_MODEL_SPEC);
const checks = loadModelChecks(spec.checksPath as string);
const model = await createOnnxModel(spec, 'cpu');
const stage = createModelStage(model, inspectionSettings(checks, true), { maxBatch: 1, maxWaitMs: 0 });
const alertRule = config.fleet.alert;

const manifest = await readCorpusManifest(manifestPath);
const corpus = new LocalFolderStore(manifest.root);
const cleanPngs = manifest.lines.filter((l) => l.kind === 'clean' && l.format === 'png');
const every = Math.max(1, Math.floor(cleanPngs.length / Number(values.images)));
const chosen = cleanPngs.filter((_, i) => i % every === 0).slice(0, Number(values.images));
const images: RgbImage[] = [];
for (const line of chosen) {
  const decoded = await decodeImage(await corpus.read(line.path, config.decode.maxBytes), {
    ...config.decode,
    analysisSize: spec.input.size,
  });
  images.push(decoded.analysis);
}
const probabilities = (output: ModelOutput) => (output.kind === 'classification' ? output.probabilities : []);
const labels = (await model.run(images)).map((o) => argmax(probabilities(o)));

/** One upload through the cascade, as `scan --model` screens it: its verdict and deciding layer. */
async function screenUpload(image: RgbImage) {
  const png = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .png()
    .toBuffer();
  const upload = { read: async () => png };
  const { record, analysis } = await screenObject(
    { store: upload, scorer, limits: config.decode },
    'query.png',
  );
  if (record.verdict !== 'clean' || !analysis) return { passed: false, layer: record.layer ?? 'detector' };
  const verdict = applyModelVerdict(record, await stage.inspect(analysis, detectorReading(record)));
  return { passed: verdict.verdict === 'clean', layer: verdict.layer ?? null };
}

interface QueryLog {
  quarantined: number;
  /** Query number (from 1) of the first quarantined upload, and of the one that would raise the alert. */
  firstQuarantined: number | null;
  alertAt: number | null;
  byLayer: Map<string, number>;
}

/** The model alone: what an undefended deployment answers. */
const undefended: ProbabilitiesOf = async (batch) => (await model.run(batch)).map(probabilities);

/**
 * The model behind the cascade: its probabilities for an upload that passes; for a refused one,
 * all mass on the agent's current label, so that the refusal never looks like progress.
 */
function defended(label: number, log: QueryLog): ProbabilitiesOf {
  let query = 0;
  return async (batch) => {
    const answers = await undefended(batch);
    for (let i = 0; i < batch.length; i++) {
      query++;
      const screen = await screenUpload(batch[i] as RgbImage);
      if (screen.passed) continue;
      log.quarantined++;
      log.firstQuarantined ??= query;
      // The agent's source window: every query screened, the quarantined ones flagged.
      if (log.alertAt === null && unusualCount(log.quarantined, query, alertRule)) log.alertAt = query;
      const layer = screen.layer ?? 'unknown';
      log.byLayer.set(layer, (log.byLayer.get(layer) ?? 0) + 1);
      answers[i] = (answers[i] as number[]).map((_, k) => (k === label ? 1 : 0));
    }
    return answers;
  };
}

const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : (sorted[Math.floor((sorted.length - 1) / 2)] as number);
};
const pct = (n: number, d: number) => `${((n / d) * 100).toFixed(0)}%`;

console.log(
  `bench:query-attack  ${manifestPath}: ${images.length} clean PNG files, Square Attack (L-inf, ${maxQueries} queries, seed ${values.seed}) against ${spec.id}@${spec.version}`,
);
console.log(`machine             ${describeMachine()}`);
console.log(
  `cascade             detector ${detectorModel.id}@${detectorModel.version}, consistency ${checks.joint ? 'by the joint rule' : 'by its threshold'}, sanity checks; per-source alert at ${alertRule.threshold} quarantines beyond a ${alertRule.expectedFpr} false-positive rate\n`,
);
console.log(
  '| start | eps | undefended: fooled | median queries | defended: fooled with an upload that passes | median queries | queries quarantined | agents with a quarantined query | median query of the first | alert raised (median query) | quarantined by |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const start of starts as ('stripes' | 'clean')[])
  for (const { eps, steps } of budgets) {
    const plain = { fooled: 0, queries: [] as number[] };
    const guarded = { fooled: 0, queries: [] as number[], total: 0 };
    const logs: QueryLog[] = [];
    for (const [i, image] of images.entries()) {
      const label = labels[i] as number;
      const options = { eps: steps, maxQueries, start, random: seededRandom(Number(values.seed) + i) };
      const [bare] = await squareAttack([image], [label], undefended, options);
      if (bare?.success) {
        plain.fooled++;
        plain.queries.push(bare.queries);
      }
      const log: QueryLog = { quarantined: 0, firstQuarantined: null, alertAt: null, byLayer: new Map() };
      const [attacked] = await squareAttack([image], [label], defended(label, log), {
        ...options,
        random: seededRandom(Number(values.seed) + i),
      });
      logs.push(log);
      guarded.total += attacked?.queries ?? 0;
      if (attacked?.success) {
        // Its best upload is one the cascade passed (refusals never count as progress): check it as a fresh upload.
        const final = await screenUpload(attacked.image);
        if (final.passed) {
          guarded.fooled++;
          guarded.queries.push(attacked.queries);
        }
      }
    }
    const quarantined = logs.reduce((sum, l) => sum + l.quarantined, 0);
    const layers = new Map<string, number>();
    for (const log of logs)
      for (const [layer, n] of log.byLayer) layers.set(layer, (layers.get(layer) ?? 0) + n);
    const firsts = logs.flatMap((l) => (l.firstQuarantined === null ? [] : [l.firstQuarantined]));
    const alerts = logs.flatMap((l) => (l.alertAt === null ? [] : [l.alertAt]));
    console.log(
      `| ${start} | ${eps} | ${plain.fooled}/${images.length} | ${median(plain.queries)} | ${guarded.fooled}/${images.length} | ${median(guarded.queries)} | ` +
        `${pct(quarantined, guarded.total)} (${quarantined}/${guarded.total}) | ${firsts.length}/${images.length} | ${median(firsts)} | ` +
        `${alerts.length}/${images.length} (${median(alerts)}) | ${[...layers].map(([l, n]) => `${l} ${n}`).join(', ')} |`,
    );
  }
await stage.drain();
await model.close();
