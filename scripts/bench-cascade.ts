// npm run bench:cascade -- <manifest.jsonl> [more manifests, e.g. attacks.jsonl from advscreen attack]
//   [--train-only attacks.jsonl ...] [--margin-exceedance 0.001] [--shipped] [--detector-model model.json]
//   [--joint-raise 0.5,1,1.5] [--compare-checks other-checks.json ...]
// The whole cascade on a labelled corpus, through the embedded scan's stages: the detector,
// then the main model's consistency check (by its own threshold, or jointly with the detector's
// score and the model's confidence when the checks file has a joint rule) and output sanity
// checks. Prints the consistency distance alone (AUROC, TPR at 1%/5% FPR on this corpus's clean
// images) and, per attack, the share the cascade catches with the combined false-positive rate:
// in-sample (the shipped detector and checks, fitted on this corpus) and held out (detector
// scores out of fold by source photo; consistency threshold or joint rule, confidence bound and
// decision-margin bound fitted on the other folds). With --shipped, only the shipped operating
// points: on a corpus nothing was fitted on (other photos, other attack settings) those are the
// held-out figures, and no detector is retrained. With --own-calibration, also the cascade
// as a user would run it after `calibrate` and `calibrate-model` on their own clean traffic: the
// corpus's photos split in two, each half calibrating the detector threshold, the consistency
// threshold, both bounds and the joint rule's threshold for the other half. With --joint-raise,
// the shipped points again with the joint rule's threshold raised by each amount: what a stricter
// rule saves in false positives and costs in catches. With --compare-checks, the shipped points
// again with each other checks file's rule, bounds and thresholds, on the same evidence (the
// files must squeeze alike): a refitted rule measured without a second pass over the images.
// Under each table, the per-attack figures again without the attacks written as JPEG whose clean
// crop, written at the same quality, already gets another class (the class change is the JPEG's,
// not the perturbation's).
import { parseArgs } from 'node:util';
import { seededRandom } from '@advscreen/attacks';
import { loadConfig } from '@advscreen/config';
import {
  BUNDLED_DETECTOR_PATH,
  calibrateThreshold,
  formatDetectionTable,
  groupedRate,
  loadDetectorModel,
  reportDetection,
  type ScoredExample,
  thresholdAtFpr,
} from '@advscreen/detection';
import {
  BUNDLED_MODEL_SPEC,
  createOnnxModel,
  fitConfidenceBound,
  fitJointRule,
  fitMarginBound,
  type JointRule,
  jointScore,
  jointThreshold,
  loadModelChecks,
  loadModelSpec,
} from '@advscreen/inference';
import {
  type CascadeRow,
  collectCascadeRows,
  countsForJointRule,
  FOLDS,
  type FoldedCascadeRow,
  foldsOf,
  jointEvidenceOf,
  jointExampleOf,
  scoreOutOfFold,
} from './cascade-evidence.ts';
import { attacksFlippedByJpegAlone, loadManifests } from './corpus-files.ts';
import { describeMachine } from './machine.ts';

// `--train-only` manifests (as the detector was trained with them) are fitted on out of fold and
// left out of the tables and false-positive rates.
const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    'train-only': { type: 'string', multiple: true },
    'margin-exceedance': { type: 'string' },
    shipped: { type: 'boolean', default: false },
    'own-calibration': { type: 'boolean', default: false },
    'calibration-splits': { type: 'string', default: '50' },
    // Another detector file in front of the bundled checks (the joint rule keeps its threshold).
    'detector-model': { type: 'string' },
    // Another checks file than the bundled model's (an earlier joint rule, say), for --shipped.
    checks: { type: 'string' },
    // Comma-separated amounts to raise the joint rule's threshold by, each printed as a cascade.
    'joint-raise': { type: 'string' },
    'compare-checks': { type: 'string', multiple: true },
  },
});
if (!positionals[0]) {
  console.error(
    'usage: npm run bench:cascade -- <manifest.jsonl> [more manifests] [--train-only attacks.jsonl ...] [--shipped] [--own-calibration [--calibration-splits 50]] [--detector-model F] [--checks F] [--joint-raise 0.5,1,1.5] [--compare-checks F ...]',
  );
  process.exit(2);
}
const trainOnly = values['train-only'] ?? [];
const jointRaises = (values['joint-raise'] ?? '')
  .split(',')
  .filter((raise) => raise.trim() !== '')
  .map((raise) => {
    const amount = Number(raise);
    if (!Number.isFinite(amount)) throw new Error(`--joint-raise: ${raise} is not a number`);
    return amount;
  });
// Another decision-margin exceedance than the checks file's, to weigh the bound's cost and catch.
const marginExceedance = values['margin-exceedance'] ? Number(values['margin-exceedance']) : undefined;
const config = loadConfig();
const detectorModel = loadDetectorModel(values['detector-model'] ?? BUNDLED_DETECTOR_PATH);
const spec = loadModelSpec(BUNDLED_MODEL_SPEC);
const checks = loadModelChecks(values.checks ?? (spec.checksPath as string));
const comparedChecks = (values['compare-checks'] ?? []).map((path) => {
  const other = loadModelChecks(path);
  if (other.consistency.squeezers.join() !== checks.consistency.squeezers.join())
    throw new Error(
      `--compare-checks ${path}: squeezes with ${other.consistency.squeezers.join(', ')}, not as the checks measured`,
    );
  return { path, other };
});
const model = await createOnnxModel(spec, 'cpu');
const manifests = await loadManifests(positionals, trainOnly);
const allRows = await collectCascadeRows(
  manifests,
  detectorModel,
  model,
  checks.consistency.squeezers,
  config,
);
const jpegAlone = await attacksFlippedByJpegAlone(
  manifests.filter((m) => !m.trainOnly),
  model,
  config,
);
await model.close();
const rows = allRows.filter((row) => !row.trainOnly);

/** calibrate-model's defaults, for checks files made before they were recorded. */
const CONFIDENCE_EXCEEDANCE = 0.001;
const MARGIN_EXCEEDANCE = 0.001;

console.log(
  `bench:cascade  ${positionals.join(' + ')} (${rows.length} images)${trainOnly.length > 0 ? `; trained also on ${trainOnly.join(' + ')} (${allRows.length - rows.length} images)` : ''}`,
);
console.log(`machine        ${describeMachine()}`);
console.log(
  `detector ${detectorModel.id}@${detectorModel.version} at threshold ${detectorModel.threshold}; consistency (${checks.consistency.squeezers.join(', ')}) ` +
    (checks.joint
      ? `by the joint rule (target combined FPR ${checks.joint.targetFpr})`
      : `at ${checks.consistency.threshold.toFixed(4)}`) +
    `; confidence bound ${checks.confidenceBound}; decision-margin bound ${marginExceedance === undefined ? (checks.decisionMargin?.bound ?? 'none') : `refitted at exceedance ${marginExceedance}`}\n`,
);
const asExample = (row: CascadeRow, score: number): ScoredExample => ({
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
    'Consistency distance alone, thresholds set on this corpus',
  ),
);

const pct = (n: number, d: number) => `${((n / d) * 100).toFixed(0)}%`;
/** `decisionsOf` gives each row's layer (null: passed), once per run it was tested in. */
function printCascade<R extends CascadeRow>(
  title: string,
  rows: readonly R[],
  decisionsOf: (row: R) => (string | null)[],
): void {
  const cleanRows = rows.filter((r) => r.line.kind === 'clean');
  const cleanDecisions = cleanRows.flatMap(decisionsOf);
  const cleanCount = cleanRows.length;
  // Passes over the clean images (several when calibrated on halves); without any, one per row.
  const runs =
    cleanCount > 0 ? cleanDecisions.length / cleanCount : rows[0] ? decisionsOf(rows[0]).length : 1;
  const count = (layer: string) =>
    (cleanDecisions.filter((l) => l === layer).length / runs).toFixed(runs === 1 ? 0 : 1);
  console.log(
    cleanDecisions.length === 0
      ? `\n${title}: no clean images in these manifests, so no FPR`
      : `\n${title}: FPR ${((cleanDecisions.filter((l) => l !== null).length / cleanDecisions.length) * 100).toFixed(1)}% on ${cleanDecisions.length / runs} clean images ` +
          `(detector ${count('detector')}, consistency ${count('consistency')}, sanity ${count('sanity')}${runs === 1 ? `; ${photoInterval(cleanRows, cleanDecisions)}` : ', averaged to one pass over them'})`,
  );
  console.log('| attack | eps | format | n | caught | by detector | by consistency | by sanity |');
  console.log('|---|---|---|---|---|---|---|---|');
  const groups = new Map<string, R[]>();
  for (const row of rows) {
    if (row.line.kind !== 'adv' || row.line.success !== true) continue;
    const key = `${row.line.attack} | ${row.line.eps ?? '-'} | ${row.line.format}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  for (const [key, group] of [...groups].sort()) {
    const layers = group.flatMap(decisionsOf);
    const by = (layer: string) => layers.filter((l) => l === layer).length;
    const caught = layers.filter((l) => l !== null).length;
    console.log(
      `| ${key} | ${group.length} | ${pct(caught, layers.length)} | ${pct(by('detector'), layers.length)} | ${pct(by('consistency'), layers.length)} | ${pct(by('sanity'), layers.length)} |`,
    );
  }
  const attacks = [...groups.values()].flat();
  // The issue's target is per kind of attack: every setting and format of it together.
  console.log(`Per attack, every setting and format: ${perAttack(attacks, decisionsOf, runs)}`);
  const flipped = attacks.filter((row) => jpegAlone.flipped.has(row.line));
  if (flipped.length > 0)
    console.log(
      `Without the ${flipped.length} JPEG files whose clean crop, written at the same quality, gets another class too (the change is the JPEG's; checked ${attacks.filter((row) => jpegAlone.checked.has(row.line)).length} JPEG attacks): ${perAttack(
        attacks.filter((row) => !jpegAlone.flipped.has(row.line)),
        decisionsOf,
        runs,
      )}`,
    );
}

/**
 * The clean rate's 95% interval (one pass: a decision per clean row, in order) with each source
 * photo's crops as one group: a photo the model is unsure of is flagged in most of its crops, so
 * 152 files of 19 photos are far fewer than 152 independent draws.
 */
function photoInterval(clean: readonly CascadeRow[], decisions: readonly (string | null)[]): string {
  const { low, high } = groupedRate(
    clean.map((r, i) => ({ flagged: decisions[i] !== null, group: r.line.source_photo })),
  );
  const photos = new Set(clean.map((r) => r.line.source_photo)).size;
  return `95% interval ${(low * 100).toFixed(1)}-${(high * 100).toFixed(1)}% over ${photos} photos`;
}

function perAttack<R extends CascadeRow>(
  attacks: readonly R[],
  decisionsOf: (row: R) => (string | null)[],
  runs: number,
): string {
  const caughtByAttack = new Map<string, { caught: number; tested: number; files: number }>();
  for (const row of attacks) {
    const layers = decisionsOf(row);
    const attack = row.line.attack ?? 'unknown';
    const sum = caughtByAttack.get(attack) ?? { caught: 0, tested: 0, files: 0 };
    caughtByAttack.set(attack, {
      caught: sum.caught + layers.filter((l) => l !== null).length,
      tested: sum.tested + layers.length,
      files: sum.files + 1,
    });
  }
  return [...caughtByAttack]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(
      ([attack, { caught, tested, files }]) =>
        `${attack} ${((caught / tested) * 100).toFixed(1)}% (${runs === 1 ? `${caught}/${tested}` : `n ${files}, over every run measuring them`})`,
    )
    .join(', ');
}

/** The model stage's order: sanity first, then consistency (by the joint rule or its threshold). */
interface OperatingPoint<R extends CascadeRow> {
  detectorScore: (row: R) => number;
  detectorThreshold: number;
  consistencyThreshold: number;
  joint: JointRule | null;
  confidenceBound: number;
  marginBound: number | null;
}
const once =
  <R>(layerOf: (row: R) => string | null) =>
  (row: R) => [layerOf(row)];
function layerAt<R extends CascadeRow>(point: OperatingPoint<R>) {
  return (row: R): string | null => {
    const detectorScore = point.detectorScore(row);
    if (detectorScore > point.detectorThreshold) return 'detector';
    if (
      row.structuralFailure ||
      row.probability > point.confidenceBound ||
      (point.marginBound !== null && row.margin < point.marginBound)
    )
      return 'sanity';
    if (point.joint)
      return jointScore(point.joint, jointEvidenceOf(row, detectorScore)) > point.joint.threshold
        ? 'consistency'
        : null;
    return row.consistency > point.consistencyThreshold ? 'consistency' : null;
  };
}

const shippedPointOf = (shipped: typeof checks): OperatingPoint<CascadeRow> => ({
  detectorScore: (row) => row.detectorScore,
  detectorThreshold: detectorModel.threshold,
  consistencyThreshold: shipped.consistency.threshold,
  joint: shipped.joint ?? null,
  confidenceBound: shipped.confidenceBound,
  marginBound:
    marginExceedance === undefined
      ? (shipped.decisionMargin?.bound ?? null)
      : fitMarginBound(
          rows.filter((r) => r.line.kind === 'clean').map((r) => r.margin),
          marginExceedance,
        ).bound,
});
const shippedPoint = shippedPointOf(checks);
printCascade(
  `Cascade at its shipped operating points${values.shipped ? '' : ' (in-sample)'}`,
  rows,
  once(layerAt(shippedPoint)),
);
for (const { path, other } of comparedChecks)
  printCascade(`Cascade at the operating points of ${path}`, rows, once(layerAt(shippedPointOf(other))));
// What a stricter joint rule costs: the shipped points with its threshold raised by each amount.
for (const raise of jointRaises) {
  const joint = shippedPoint.joint;
  if (!joint) throw new Error('--joint-raise needs a checks file with a joint rule');
  printCascade(
    `Cascade at its shipped operating points, the joint rule's threshold raised by ${raise} (${joint.threshold.toFixed(3)} -> ${(joint.threshold + raise).toFixed(3)})`,
    rows,
    once(layerAt({ ...shippedPoint, joint: { ...joint, threshold: joint.threshold + raise } })),
  );
}

/** The confidence and decision-margin bounds as calibrate-model fits them on these clean rows. */
function fitBounds(
  clean: readonly CascadeRow[],
): Pick<OperatingPoint<CascadeRow>, 'confidenceBound' | 'marginBound'> {
  return {
    confidenceBound: fitConfidenceBound(
      clean.map((r) => r.probability),
      checks.confidenceFit?.exceedance ?? CONFIDENCE_EXCEEDANCE,
    ).bound,
    marginBound: fitMarginBound(
      clean.map((r) => r.margin),
      marginExceedance ?? checks.decisionMargin?.exceedance ?? MARGIN_EXCEEDANCE,
    ).bound,
  };
}

/** Detector scores out of fold, and the checks refitted per fold on the other folds. */
async function printHeldOut(): Promise<void> {
  const folded = await scoreOutOfFold(allRows, manifests, detectorModel, config);
  const foldOf = foldsOf(folded);
  const heldOut = Array.from({ length: FOLDS }, (_, fold) => {
    const others = folded.filter((r) => foldOf(r) !== fold);
    const otherClean = others.filter((r) => r.line.kind === 'clean');
    const point: OperatingPoint<FoldedCascadeRow> = {
      detectorScore: (row) => row.detectorOutOfFold,
      detectorThreshold: detectorModel.threshold,
      consistencyThreshold: thresholdAtFpr(
        otherClean.map((r) => r.consistency),
        checks.consistency.targetFpr,
      ),
      joint: checks.joint
        ? fitJointRule(
            others.filter(countsForJointRule).map((r) => jointExampleOf(r, detectorModel.threshold)),
            checks.joint.targetFpr,
            {
              sanityShare: checks.joint.sanityShare ?? 0,
              features: checks.joint.features,
              detectorFloor: checks.joint.detectorFloor,
            },
          )
        : null,
      ...fitBounds(otherClean),
    };
    return layerAt(point);
  });
  printCascade(
    'Cascade held out (grouped 5-fold cross-validation by source photo)',
    folded.filter((row) => !row.trainOnly),
    (row) => {
      const layerOf = heldOut[foldOf(row)];
      if (!layerOf) throw new Error('no fold');
      return [layerOf(row)];
    },
  );
}

/** Random halves of the photos drawn for --own-calibration. */
const CALIBRATION_SPLITS = Math.max(1, Math.round(Number(values['calibration-splits'])) || 50);

/**
 * `calibrate` and `calibrate-model` (their defaults) on the clean files of a random half of the
 * photos, applied to the other half; over several draws, since a few dozen clean files pin a
 * threshold loosely.
 */
function printOwnCalibration(): void {
  const photos = [...new Set(rows.map((r) => r.line.source_photo))].sort();
  const decisions = new Map<CascadeRow, (string | null)[]>();
  const random = seededRandom(1);
  for (let split = 0; split < CALIBRATION_SPLITS; split++) {
    const shuffled = photos
      .map((photo) => ({ photo, key: random() }))
      .sort((a, b) => a.key - b.key)
      .map((p) => p.photo);
    const calibrationPhotos = new Set(shuffled.slice(0, Math.ceil(photos.length / 2)));
    const clean = rows.filter((r) => calibrationPhotos.has(r.line.source_photo) && r.line.kind === 'clean');
    const sample = (score: (r: CascadeRow) => number) =>
      clean.map((r) => ({ key: r.line.path, score: score(r) }));
    const detectorThreshold = calibrateThreshold(
      sample((r) => r.detectorScore),
      detectorModel.targetFpr,
    ).threshold;
    const evidence = clean.map((r) => ({
      ...jointEvidenceOf(r, r.detectorScore),
      detectorFlagged: r.detectorScore > detectorThreshold,
    }));
    const layerOf = layerAt<CascadeRow>({
      detectorScore: (row) => row.detectorScore,
      detectorThreshold,
      consistencyThreshold: calibrateThreshold(
        sample((r) => r.consistency),
        checks.consistency.targetFpr,
      ).threshold,
      joint: checks.joint ? { ...checks.joint, threshold: jointThreshold(checks.joint, evidence) } : null,
      ...fitBounds(clean),
    });
    for (const row of rows) {
      if (calibrationPhotos.has(row.line.source_photo)) continue;
      decisions.set(row, [...(decisions.get(row) ?? []), layerOf(row)]);
    }
  }
  printCascade(
    `Cascade calibrated on half of the photos, measured on the other half (${CALIBRATION_SPLITS} random halves of ${photos.length} photos; rates over all runs)`,
    rows.filter((row) => decisions.has(row)),
    (row) => decisions.get(row) ?? [],
  );
}

if (values['own-calibration']) printOwnCalibration();
if (!values.shipped) await printHeldOut();
