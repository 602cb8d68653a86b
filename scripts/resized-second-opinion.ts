// node scripts/resized-second-opinion.ts --base model.json --version V --out F [--share 0.005] [--crops 6] [--seed 7] <folder of photos> [more]
// A detector file that is `--base` with a `resizedLossless` branch: the base's lossless models at
// an operating point of their own, the resized branch's second opinion (detection's
// SECOND_OPINION). Per photo, `--crops` random square crops (45-100% of the short side), each
// resized to a random size of 225-1024 px (sharp's default kernel) and written as PNG, as JPEG and
// as lossy WebP (quality 70-95), all decoded as the worker does (resized for analysis); each head's
// offset is set so that the heads together flag `--share` of them, split between heads as the
// base's training split its budget. How detector v17 was made (docs/decisions/0013).
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { seededRandom } from '@advscreen/attacks';
import { loadConfig } from '@advscreen/config';
import {
  branchOf,
  createResidualScorer,
  DetectorModelFile,
  inputFeatures,
  linearScore,
  rateAbove,
} from '@advscreen/detection';
import { decodeImage } from '@advscreen/imaging';
import sharp from 'sharp';
import { losslessAtOwnPoint } from './lossless-operating-point.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    base: { type: 'string' },
    version: { type: 'string' },
    out: { type: 'string' },
    share: { type: 'string', default: '0.005' },
    crops: { type: 'string', default: '6' },
    seed: { type: 'string', default: '7' },
  },
});
const share = Number(values.share);
if (!values.base || !values.version || !values.out || !positionals.length || !(share > 0 && share < 1)) {
  console.error(
    'usage: node scripts/resized-second-opinion.ts --base F --version V --out F [--share 0.005] [--crops 6] [--seed 7] <photos> [more]',
  );
  process.exit(2);
}
const base = DetectorModelFile.parse(JSON.parse(await readFile(values.base, 'utf8')));
const { lossless } = base.branches;
const limits = { ...loadConfig().decode, analysisSize: base.analysisSize };
const random = seededRandom(Number(values.seed));
const quality = () => 70 + Math.floor(random() * 26);

async function photosUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => {
      const file = path.join(folder, entry.name);
      if (entry.isDirectory()) return photosUnder(file);
      return /\.(jpe?g|png|webp)$/i.test(entry.name) ? [file] : [];
    }),
  );
  return nested.flat().sort();
}

const dense: number[] = [];
const stripes: number[] = [];
const decodedImages: Awaited<ReturnType<typeof decodeImage>>[] = [];
const photos = (await Promise.all(positionals.map(photosUnder))).flat();
for (const photo of photos) {
  const { width = 0, height = 0 } = await sharp(photo).metadata();
  const short = Math.min(width, height);
  for (let crop = 0; crop < Number(values.crops); crop++) {
    const side = Math.floor(short * (0.45 + 0.55 * random()));
    const region = {
      left: Math.floor((width - side) * random()),
      top: Math.floor((height - side) * random()),
      width: side,
      height: side,
    };
    const size = 225 + Math.floor(random() * 800);
    const resized = sharp(photo).extract(region).resize(size, size);
    for (const bytes of [
      await resized.clone().png().toBuffer(),
      await resized.clone().jpeg({ quality: quality() }).toBuffer(),
      await resized.clone().webp({ quality: quality() }).toBuffer(),
    ]) {
      const decoded = await decodeImage(bytes, limits);
      if (branchOf(decoded) !== 'resized') throw new Error(`${photo}: not resized for analysis`);
      decodedImages.push(decoded);
      const { heads } = inputFeatures(decoded.analysis, decoded, 'lossless');
      dense.push(linearScore(lossless.dense.model, heads.dense));
      if (lossless.stripes) stripes.push(linearScore(lossless.stripes.model, heads.stripes));
    }
  }
}
const resizedLossless = losslessAtOwnPoint(base, { dense, stripes }, share);
const model: DetectorModelFile = {
  ...base,
  version: values.version,
  branches: { ...base.branches, resizedLossless },
  trainedOn: {
    ...base.trainedOn,
    resizedSecondOpinion: { photos: positionals, clean: dense.length, share },
  },
  createdAt: new Date().toISOString(),
};
const scoresBy = (detector: DetectorModelFile) => {
  const scorer = createResidualScorer(detector);
  return decodedImages.map((decoded) => scorer.score(decoded.analysis, decoded).score);
};
await writeFile(values.out, `${JSON.stringify(DetectorModelFile.parse(model), null, 2)}\n`);
const percent = (rate: number) => `${(100 * rate).toFixed(1)}%`;
console.log(
  `${values.out}: resizedLossless set on ${dense.length} clean resized files of ${photos.length} photos; ` +
    `offsets dense ${resizedLossless.dense.offset.toFixed(3)}${resizedLossless.stripes ? `, stripes ${resizedLossless.stripes.offset.toFixed(3)}` : ''}; ` +
    `flagged at threshold ${base.threshold}: ${percent(rateAbove(scoresBy(base), base.threshold))} by ${base.id}@${base.version}, ` +
    `${percent(rateAbove(scoresBy(model), model.threshold))} by @${model.version}`,
);
