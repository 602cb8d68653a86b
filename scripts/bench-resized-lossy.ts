// npm run bench:resized-lossy -- <folder of clean photos> [--format jpeg|webp|avif] [--sizes 224,240,336,448,1024] [--crops 3] [--seed 7]
//   [--chroma 4:2:0|4:4:4|4:2:2] [--quality 70-95] [--aspect 1:1,4:3,16:9,3:4] [--detector-model model.json]
// Clean false positives on lossy files, at the analysis size and resized for it. Per photo,
// random square crops (45-100% of the short side) are resized to each size and written as JPEG
// (or lossy WebP) at a random quality of the range (default 70-95), then decoded as the worker does and scored at the
// shipped threshold twice: by the JPEG model (as if the file were a JPEG analysed on its own
// pixels) and as the worker scores a non-JPEG or resized file: by the lossless model at the
// analysis size, by the resized model (when the detector has one, else the lossless) above it
// (branchOf), and as the worker scores the file (its own branch). `--chroma 4:4:4` writes the JPEGs with full-resolution chroma (photo editors'
// high-quality exports), `--chroma 4:2:2` with chroma halved across only (many cameras; needs
// libjpeg-turbo's cjpeg), instead of the usual 4:2:0.
// `--aspect W:H` crops rectangles of that shape instead (the size is then the long side): real
// photos are rarely square, and the worker squashes them to the square analysis size.
// Photos in folders below the one given count too.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { seededRandom } from '@advscreen/attacks';
import { loadConfig } from '@advscreen/config';
import { BUNDLED_DETECTOR_PATH, createResidualScorer, loadDetectorModel } from '@advscreen/detection';
import { decodeImage, encodeLossy, isJpegEncodeChroma, isLossyFormat } from '@advscreen/imaging';
import sharp from 'sharp';
import { describeMachine } from './machine.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    format: { type: 'string', default: 'jpeg' },
    sizes: { type: 'string', default: '224,240,336,448,672,1024' },
    crops: { type: 'string', default: '3' },
    seed: { type: 'string', default: '7' },
    chroma: { type: 'string', default: '4:2:0' },
    quality: { type: 'string', default: '70-95' },
    aspect: { type: 'string', default: '1:1' },
    'detector-model': { type: 'string' },
  },
});
const format = values.format;
const chroma = values.chroma;
const [lowest, highest = lowest] = values.quality.split('-').map(Number) as [number, number?];
/** Width over height of each shape asked for. */
const aspects = values.aspect.split(',').map((shape) => {
  const [w, h] = shape.split(':').map(Number) as [number, number?];
  return { shape, ratio: h ? w / h : Number.NaN };
});
if (
  !(lowest >= 1 && highest <= 100 && lowest <= highest) ||
  !aspects.every(({ ratio }) => ratio > 0) ||
  !positionals[0] ||
  !isLossyFormat(format) ||
  !isJpegEncodeChroma(chroma)
) {
  console.error(
    'usage: npm run bench:resized-lossy -- <folder of clean photos> [--format jpeg|webp|avif] [--sizes 224,448] [--crops 3] [--chroma 4:2:0|4:4:4|4:2:2] [--quality 70-95] [--aspect 1:1,4:3]',
  );
  process.exit(2);
}
const folder = path.resolve(positionals[0]);
const config = loadConfig();
const scorer = createResidualScorer(loadDetectorModel(values['detector-model'] ?? BUNDLED_DETECTOR_PATH));
const random = seededRandom(Number(values.seed));
const photos = (await readdir(folder, { recursive: true }))
  .filter((name) => /\.(jpe?g|png|webp)$/i.test(name))
  .sort()
  .map((name) => path.join(folder, name));
// Read once: every shape and size crops the same originals.
const originals = await Promise.all(
  photos.map(async (photo) => {
    const bytes = await readFile(photo);
    const { width = 0, height = 0 } = await sharp(bytes).metadata();
    return { bytes, width, height };
  }),
);

console.log(
  `bench:resized-lossy  ${folder} (${photos.length} photos, ${values.crops} crops each per size, ${format} q${values.quality}${format === 'jpeg' ? ` ${chroma}` : ''})`,
);
console.log(`machine              ${describeMachine()}`);
console.log(`detector             ${scorer.name} at its shipped threshold ${scorer.threshold}\n`);
console.log(
  `| shape | ${format} size (long side) | resize factor | crops | flagged by the JPEG model | by the lossless or resized model | as the worker scores it |`,
);
console.log('|---|---|---|---|---|---|---|');
for (const { shape, ratio } of aspects)
  for (const size of values.sizes.split(',').map(Number)) {
    const [outWidth, outHeight] =
      ratio >= 1 ? [size, Math.round(size / ratio)] : [Math.round(size * ratio), size];
    let crops = 0;
    let byJpegModel = 0;
    let byLosslessModel = 0;
    let byWorker = 0;
    for (const { bytes: original, width, height } of originals) {
      // The tallest crop of this shape that fits (for 1:1, the short side).
      const tallest = Math.min(height, width / ratio);
      for (let i = 0; i < Number(values.crops); i++) {
        const cropHeight = Math.floor(tallest * (0.45 + 0.55 * random()));
        const cropWidth = Math.min(width, Math.round(cropHeight * ratio));
        const left = Math.floor(random() * (width - cropWidth));
        const top = Math.floor(random() * (height - cropHeight));
        const quality = lowest + Math.floor(random() * (highest - lowest + 1));
        const crop = sharp(original)
          .extract({ left, top, width: cropWidth, height: cropHeight })
          .resize(outWidth, outHeight, { kernel: 'linear' })
          .removeAlpha();
        const bytes = await encodeLossy(await crop.png().toBuffer(), format, { quality, chroma });
        const decoded = await decodeImage(bytes, config.decode);
        const flaggedAs = (origin: Parameters<typeof scorer.score>[1]) =>
          scorer.score(decoded.analysis, origin).score > scorer.threshold ? 1 : 0;
        crops++;
        // As a JPEG on its own pixels; a WebP has no table, so its DCT features count as missing.
        byJpegModel += flaggedAs({ ...decoded, format: 'jpeg', ownPixels: true });
        byLosslessModel += flaggedAs({ ...decoded, format: 'png', jpegBlocks: null });
        // The file's own branch (branchOf): lossy WebP and AVIF at the analysis size have models of their own since v14 and v15.
        byWorker += flaggedAs(decoded);
      }
    }
    const pct = (n: number) => `${((100 * n) / crops).toFixed(1)}% (${n})`;
    console.log(
      `| ${shape} | ${size} | ${(size / config.decode.analysisSize).toFixed(2)} | ${crops} | ${pct(byJpegModel)} | ${pct(byLosslessModel)} | ${pct(byWorker)} |`,
    );
  }
