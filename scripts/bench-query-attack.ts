// npm run bench:query-attack -- <manifest.jsonl> [--eps 4/255,8/255] [--queries 1000] [--images 24] [--seed 1]
//   [--start stripes,clean] [--query-history on,off] [--jitter 0] [--brightness 0]
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
// as an agent might once the stripes are refused. `--query-history on` puts the detector role's
// per-source near-duplicate check in front (ADVSCREEN_QUERY_* settings; each agent one source,
// its queries a second apart), `off` leaves it out. `--jitter N` and `--brightness N` make the
// agent evade it: each upload shifted by up to N pixels each way (edges repeated), or made
// brighter or darker by up to N levels, the answers being for that upload.
import { createHash } from 'node:crypto';
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
import {
  createMemoryQueryHistoryStore,
  createQueryHistory,
  type QueryHistory,
  reviewUpload,
} from '@advscreen/query-history';
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
    'query-history': { type: 'string', default: 'on' },
    jitter: { type: 'string', default: '0' },
    brightness: { type: 'string', default: '0' },
  },
});
const manifestPath = positionals[0];
const starts = (values.start as string).split(',');
const historySettings = (values['query-history'] as string).split(',');
const budgets = (values.eps as string)
  .split(',')
  .map((eps) => ({ eps, steps: Number(/^(\d+)\/255$/.exec(eps)?.[1]) }));
if (
  !manifestPath ||
  !starts.every((s): s is 'stripes' | 'clean' => s === 'stripes' || s === 'clean') ||
  !historySettings.every((h) => h === 'on' || h === 'off') ||
  ![values.jitter, values.brightness].every((n) => Number.isInteger(Number(n)) && Number(n) >= 0) ||
  !budgets.every((b) => b.steps >= 1)
) {
  console.error(
    'usage: npm run bench:query-attack -- <manifest.jsonl> [--eps 4/255,8/255] [--queries 1000] [--images 24] [--seed 1] [--start stripes,clean] [--query-history on,off] [--jitter 0] [--brightness 0]',
  );
  process.exit(2);
}
const maxQueries = Number(values.queries);
const jitter = Number(values.jitter);
const brightness = Number(values.brightness);
const config = loadConfig();
const detectorModel = loadDetectorModel();
const scorer = createResidualScorer(detectorModel);
const spec = loadModelSpec(BUNDLED_MODEL_SPEC);
const checks = loadModelChecks(spec.checksPath as string);
const model = await createOnnxModel(spec, 'cpu');
const stage = createModelStage(model, inspectionSettings(checks, true), { maxBatch: 1, maxWaitMs: 0 });
const alertRule = config.fleet.alert;
const historyRule = config.fleet.queryHistory;
if (historySettings.includes('on') && !historyRule) {
  console.error(
    '--query-history on needs ADVSCREEN_QUERY_HISTORY on (its rule is the ADVSCREEN_QUERY_* settings)',
  );
  process.exit(2);
}

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

/** The agent's uploads as the detector role sees them: one source, a query a second. */
interface AgentSource {
  history: QueryHistory | null;
  uploads: number;
}

/**
 * One upload through the cascade, as the fleet screens it (detector, the query history when on,
 * the model stage): its verdict and deciding layer.
 */
async function screenUpload(image: RgbImage, source: AgentSource) {
  const png = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .png()
    .toBuffer();
  const upload = { read: async () => png };
  const screened = await screenObject({ store: upload, scorer, limits: config.decode }, 'query.png');
  let record = screened.record;
  const analysis = screened.analysis;
  if (source.history && analysis) {
    const content = createHash('md5').update(png).digest('hex');
    record = await reviewUpload(source.history, 'agent', record, {
      content,
      atMs: source.uploads++ * 1000,
      image: analysis,
    });
  }
  if (record.verdict !== 'clean' || !analysis) return { passed: false, layer: record.layer ?? 'detector' };
  const verdict = applyModelVerdict(
    record,
    await stage.inspect(analysis, detectorReading(record.detector, record)),
  );
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
function defended(label: number, log: QueryLog, source: AgentSource, random: () => number): ProbabilitiesOf {
  let query = 0;
  return async (batch) => {
    const uploads = batch.map((image) => disguised(image, random));
    const answers = await undefended(uploads);
    for (let i = 0; i < batch.length; i++) {
      query++;
      const screen = await screenUpload(uploads[i] as RgbImage, source);
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

/**
 * The agent's evasion: the image moved by up to `--jitter` pixels each way (its edges repeated)
 * and made brighter or darker by up to `--brightness` levels.
 */
function disguised(image: RgbImage, random: () => number): RgbImage {
  if (jitter === 0 && brightness === 0) return image;
  const offset = (range: number) => Math.floor(random() * (2 * range + 1)) - range;
  const [dx, dy] = [offset(jitter), offset(jitter)];
  const light = brightness === 0 ? 0 : offset(brightness);
  const { width, height } = image;
  const data = new Uint8Array(image.data.length);
  for (let y = 0; y < height; y++) {
    const from = Math.min(height - 1, Math.max(0, y - dy));
    for (let x = 0; x < width; x++) {
      const o = (from * width + Math.min(width - 1, Math.max(0, x - dx))) * 3;
      for (let c = 0; c < 3; c++)
        data[(y * width + x) * 3 + c] = Math.min(255, Math.max(0, (image.data[o + c] as number) + light));
    }
  }
  return { width, height, data };
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
  `agent               ${jitter || brightness ? `each upload shifted by up to ${jitter} px each way and brightened by up to +-${brightness} levels` : 'uploads its queries as they are'}`,
);
console.log(
  `query history       ${historyRule ? `an upload with ${historyRule.neighbours} earlier near-duplicates (within ${historyRule.radius} grey levels) from its source is quarantined` : 'off'}\n`,
);
console.log(
  '| start | eps | query history | undefended: fooled | median queries | defended: fooled with an upload that passes | median queries | queries quarantined | agents with a quarantined query | median query of the first | alert raised (median query) | quarantined by |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const start of starts as ('stripes' | 'clean')[])
  for (const { eps, steps } of budgets) {
    const plain = { fooled: 0, queries: [] as number[] };
    const optionsFor = (i: number) => ({
      eps: steps,
      maxQueries,
      start,
      random: seededRandom(Number(values.seed) + i),
    });
    for (const [i, image] of images.entries()) {
      const [bare] = await squareAttack([image], [labels[i] as number], undefended, optionsFor(i));
      if (bare?.success) {
        plain.fooled++;
        plain.queries.push(bare.queries);
      }
    }
    for (const setting of historySettings) {
      const guarded = { fooled: 0, queries: [] as number[], total: 0 };
      const logs: QueryLog[] = [];
      for (const [i, image] of images.entries()) {
        const label = labels[i] as number;
        const log: QueryLog = { quarantined: 0, firstQuarantined: null, alertAt: null, byLayer: new Map() };
        const source = {
          history:
            setting === 'on' && historyRule
              ? createQueryHistory(createMemoryQueryHistoryStore(historyRule), historyRule)
              : null,
          uploads: 0,
        };
        const [attacked] = await squareAttack(
          [image],
          [label],
          defended(label, log, source, seededRandom(Number(values.seed) + 1000 + i)),
          optionsFor(i),
        );
        logs.push(log);
        guarded.total += attacked?.queries ?? 0;
        if (attacked?.success) {
          // Its best upload is one the cascade passed (refusals never count as progress): check it as a
          // fresh upload from a source with no history, as the agent would send it once found, and
          // that it still fools the model unshifted.
          const final = await screenUpload(attacked.image, { history: null, uploads: 0 });
          const [answer] = await undefended([attacked.image]);
          if (final.passed && argmax(answer ?? []) !== label) {
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
        `| ${start} | ${eps} | ${setting} | ${plain.fooled}/${images.length} | ${median(plain.queries)} | ${guarded.fooled}/${images.length} | ${median(guarded.queries)} | ` +
          `${pct(quarantined, guarded.total)} (${quarantined}/${guarded.total}) | ${firsts.length}/${images.length} | ${median(firsts)} | ` +
          `${alerts.length}/${images.length} (${median(alerts)}) | ${[...layers].map(([l, n]) => `${l} ${n}`).join(', ')} |`,
      );
    }
  }
await stage.drain();
await model.close();
