// node scripts/fit-joint-rule.ts --manifest m.jsonl [--manifest more.jsonl] [--target-fpr 0.02] [--checks checks.json]
//   [--detector-floor=-3]
// (give it every manifest the detector was trained on, its --train-only ones included)
// Fits the model stage's joint rule (packages/inference/src/joint-rule.ts) on labelled corpora
// and writes it into a checks file (default: the bundled model's). Needs clean images and
// attacks; the detector's scores come out of fold (the shipped recipe retrained with each source
// photo left out), the model's consistency distances with the checks file's squeezers. The
// combined false-positive budget covers the detector, the rule and the sanity checks' designed
// share together (docs/inference.md). Caution: the rule is only as good as the rebuilt manifests;
// with 9 of the 56 wallpaper images missing, a refit caught far less at every rate measured
// (docs/inference.md, "Refitting under v23"). Write into a copy (--checks) and compare with
// `bench:cascade --compare-checks` before replacing the bundled file. The refit keeps the terms
// and the detector floor of the rule in the checks file; --detector-floor sets another floor (the
// detector's score of a non-JPEG input enters no lower: joint-rule.ts, docs/inference.md).
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import { detectorName, loadDetectorModel } from '@advscreen/detection';
import {
  BUNDLED_MODEL_SPEC,
  createOnnxModel,
  fitJointRule,
  loadModelChecks,
  loadModelSpec,
  type ModelChecksFile,
  ruleAllowance,
  sanityShareOf,
} from '@advscreen/inference';
import {
  collectCascadeRows,
  countsForJointRule,
  jointExampleOf,
  scoreOutOfFold,
} from './cascade-evidence.ts';
import { loadManifests } from './corpus-files.ts';

const { values } = parseArgs({
  options: {
    manifest: { type: 'string', multiple: true },
    'target-fpr': { type: 'string', default: '0.02' },
    checks: { type: 'string' },
    'detector-floor': { type: 'string' },
  },
});
const detectorFloor = values['detector-floor'] === undefined ? undefined : Number(values['detector-floor']);
const targetFpr = Number(values['target-fpr']);
if (
  !values.manifest?.length ||
  !(targetFpr > 0 && targetFpr < 1) ||
  (detectorFloor !== undefined && !Number.isFinite(detectorFloor))
) {
  console.error(
    'usage: node scripts/fit-joint-rule.ts --manifest m.jsonl [--manifest ...] [--target-fpr 0.02] [--checks F] [--detector-floor=N]',
  );
  process.exit(2);
}
const config = loadConfig();
const spec = loadModelSpec(BUNDLED_MODEL_SPEC);
const checksPath = values.checks ?? (spec.checksPath as string);
const checks = loadModelChecks(checksPath);
const detectorModel = loadDetectorModel();
const model = await createOnnxModel(spec, 'cpu');
const manifests = await loadManifests(values.manifest);
const rows = await scoreOutOfFold(
  await collectCascadeRows(manifests, detectorModel, model, checks.consistency.squeezers, config),
  manifests,
  detectorModel,
  config,
);
await model.close();
const examples = rows.filter(countsForJointRule).map((r) => jointExampleOf(r, detectorModel.threshold));
const joint = fitJointRule(examples, targetFpr, {
  sanityShare: sanityShareOf(checks),
  features: checks.joint?.features,
  detectorFloor: detectorFloor ?? checks.joint?.detectorFloor,
});
const updated: ModelChecksFile = { ...checks, joint: { ...joint, detector: detectorName(detectorModel) } };
await writeFile(checksPath, `${JSON.stringify(updated, null, 2)}\n`);
const clean = examples.filter((e) => !e.adversarial);
const flaggedByDetector = clean.filter((e) => e.detectorFlagged).length;
const ruleShare = ruleAllowance(clean, targetFpr, joint.sanityShare ?? 0) / clean.length;
console.log(
  `Joint rule fitted on ${examples.length} images (${clean.length} clean, ${examples.length - clean.length} successful attacks), detector ${detectorName(detectorModel)} out of fold, target combined FPR ${targetFpr} (${joint.sanityShare} of it left to the sanity checks); written to ${checksPath}.`,
);
// The rule gets what the out-of-fold detector and the sanity checks leave of the budget: a
// detector that flags more of these clean files out of fold than it does on new photos starves it.
console.log(
  `Out of fold the detector flags ${flaggedByDetector} of the ${clean.length} clean images (${((flaggedByDetector / clean.length) * 100).toFixed(1)}%), leaving the rule ${(ruleShare * 100).toFixed(2)}% of them.`,
);
