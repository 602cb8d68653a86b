// node scripts/splice-detector-branch.ts --base model.json --from run.json --branch webp [--as luma] --version 14 --out F
// A detector file that is `--base` with one branch's models taken from `--from`, a training run
// with the same manifests and options that also trained that branch. Each branch is fitted and
// its operating point set on its own inputs alone, so the run that skipped what the branch does
// not read (e.g. JPEG re-encodings for the WebP branch) fits the same models for it as a full
// run would: check that the branches both files have came out equal (the script says which
// differ). `--as`: put the branch's models in another branch of the file (v19: a run's grey model
// as the luminance model, `--branch grey --as luma`). How detectors v14, v15, v18, v19 and v20 were
// made (docs/decisions/0010-lossy-webp.md, 0011-avif.md, 0014-grey-images.md, 0015-luminance-model.md,
// 0016-graphics.md).
import { readFile, writeFile } from 'node:fs/promises';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { BRANCHES, type Branch, DetectorModelFile } from '@advscreen/detection';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    from: { type: 'string' },
    branch: { type: 'string' },
    as: { type: 'string' },
    version: { type: 'string' },
    out: { type: 'string' },
  },
});
const branch = values.branch as Branch;
const target = (values.as ?? branch) as Branch;
if (
  !values.base ||
  !values.from ||
  !values.version ||
  !values.out ||
  !BRANCHES.includes(branch) ||
  !BRANCHES.includes(target)
) {
  console.error(
    `usage: node scripts/splice-detector-branch.ts --base F --from F --branch ${BRANCHES.join('|')} [--as BRANCH] --version V --out F`,
  );
  process.exit(2);
}
const load = async (file: string) => DetectorModelFile.parse(JSON.parse(await readFile(file, 'utf8')));
const [base, from] = await Promise.all([load(values.base), load(values.from)]);
const spliced = from.branches[branch];
if (!spliced) throw new Error(`${values.from} has no ${branch} model`);
for (const other of BRANCHES.filter((b) => b !== branch && b !== target)) {
  const [a, b] = [base.branches[other], from.branches[other]];
  if (a && b) console.log(`${other}: ${isDeepStrictEqual(a, b) ? 'equal in both files' : 'DIFFERS'}`);
}
const model: DetectorModelFile = {
  ...base,
  version: values.version,
  branches: { ...base.branches, [target]: spliced },
  trainedOn: {
    ...base.trainedOn,
    ...(from.trainedOn.webpReencodings ? { webpReencodings: from.trainedOn.webpReencodings } : {}),
    ...(from.trainedOn.avifReencodings ? { avifReencodings: from.trainedOn.avifReencodings } : {}),
  },
  createdAt: new Date().toISOString(),
};
await writeFile(values.out, `${JSON.stringify(DetectorModelFile.parse(model), null, 1)}\n`);
console.log(
  `${values.out}: ${base.id}@${values.version}, ${values.base} with the ${branch} model of ${values.from}` +
    (target === branch ? '' : ` as its ${target} model`),
);
