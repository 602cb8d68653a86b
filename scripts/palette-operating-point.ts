// node scripts/palette-operating-point.ts --base model.json --manifest palette.jsonl [--manifest ...] --version V --out F
// A detector file that is `--base` with a palette branch (GIF, palette PNG) made of the base's
// lossless models at an operating point of their own: each head's offset set on the clean
// palette images of the manifests (scripts/palette-corpus.ts) so that the heads together flag the
// base's target rate of them, split between heads as the base's training split it. The lossless
// models rank attacks written as palette images well (AUROC 0.93-0.98 for FGSM and PGD at 2-8/255
// on the development corpus) but read dithering as perturbation at their own point. How
// detector v16 was made (docs/detection.md, "Palette images").
import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import { branchOf, createResidualScorer, DetectorModelFile, rateAbove } from '@advscreen/detection';
import { decodeImage } from '@advscreen/imaging';
import { loadManifests } from './corpus-files.ts';
import { losslessAtOwnPoint } from './lossless-operating-point.ts';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    manifest: { type: 'string', multiple: true },
    version: { type: 'string' },
    out: { type: 'string' },
  },
});
if (!values.base || !values.manifest?.length || !values.version || !values.out) {
  console.error(
    'usage: node scripts/palette-operating-point.ts --base F --manifest palette.jsonl [--manifest ...] --version V --out F',
  );
  process.exit(2);
}
const base = DetectorModelFile.parse(JSON.parse(await readFile(values.base, 'utf8')));
const { lossless } = base.branches;
// The lossless heads with no offset: the scorer then reports each head's own log-odds.
const unshifted = {
  dense: { ...lossless.dense, offset: 0 },
  ...(lossless.stripes ? { stripes: { ...lossless.stripes, offset: 0 } } : {}),
};
const scorer = createResidualScorer({ ...base, branches: { ...base.branches, palette: unshifted } });
const limits = { ...loadConfig().decode, analysisSize: base.analysisSize };
const dense: number[] = [];
const stripes: number[] = [];
const shippedScores: number[] = [];
const shippedScorer = createResidualScorer(base);
const decodedImages: Awaited<ReturnType<typeof decodeImage>>[] = [];
let skipped = 0;
for (const { manifest, store } of await loadManifests(values.manifest)) {
  for (const line of manifest.lines.filter((l) => l.kind === 'clean')) {
    const decoded = await decodeImage(await store.read(line.path, limits.maxBytes), limits);
    if (branchOf(decoded) !== 'palette') {
      skipped++;
      continue;
    }
    decodedImages.push(decoded);
    const { signals } = scorer.score(decoded.analysis, decoded);
    dense.push(signals.denseScore as number);
    if (signals.stripesScore !== undefined) stripes.push(signals.stripesScore);
    shippedScores.push(shippedScorer.score(decoded.analysis, decoded).score);
  }
}
const palette = losslessAtOwnPoint(base, { dense, stripes }, base.targetFpr);
const model: DetectorModelFile = {
  ...base,
  version: values.version,
  branches: { ...base.branches, palette },
  trainedOn: {
    ...base.trainedOn,
    paletteOperatingPoint: { manifests: values.manifest, clean: dense.length },
  },
  createdAt: new Date().toISOString(),
};
const newScorer = createResidualScorer(model);
const combined = decodedImages.map((decoded) => newScorer.score(decoded.analysis, decoded).score);
await writeFile(values.out, `${JSON.stringify(DetectorModelFile.parse(model), null, 2)}\n`);
const percent = (rate: number) => `${(100 * rate).toFixed(1)}%`;
console.log(
  `${values.out}: palette branch set on ${dense.length} clean palette images (${skipped} others skipped); ` +
    `offsets dense ${palette.dense.offset.toFixed(3)}${palette.stripes ? `, stripes ${palette.stripes.offset.toFixed(3)}` : ''}; ` +
    `flagged at threshold ${base.threshold}: ${percent(rateAbove(shippedScores, base.threshold))} by ${base.id}@${base.version}, ` +
    `${percent(rateAbove(combined, model.threshold))} by @${model.version}`,
);
