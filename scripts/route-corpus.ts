// node scripts/route-corpus.ts --manifest M.jsonl [--manifest ...] --out DIR [--ways gray,wide]
// Writes each lossless file of labelled corpora the ways of sending it that steer the detector
// to a model or a decode path the other corpus scripts leave unmeasured (docs/detection.md,
// "Routes through file traits"): `cmyk-jpeg` (CMYK JPEG quality 95), `tiff-jpeg` (TIFF with JPEG
// compression, quality 90), `gray` (grayscale PNG) and `gray-jpeg` (grayscale JPEG quality 90),
// `wide` and `tall` (upscaled to 320x224 and 224x320 with sharp's default kernel, PNG: the
// decode squashes them back), `up-jpeg` (upscaled to 320 px, then JPEG quality 90), `gray-up`
// (grayscale, upscaled to 320 px, PNG: a grey file resized for analysis), `luma` (the BT.601
// luma the detector's luminance model reads, as a grey PNG: its training files). With a
// manifest in the corpus format; each attack's success is asked of the victim model (the bundled
// spec) on the decoded file. `--ways`: only those (default all). For bench:detect and
// bench:cascade, and `gray` for training the grey model.
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { lumaPng, rgbPixels, writeRewrittenCorpus, writtenAs } from './corpus-files.ts';

const { values } = parseArgs({
  options: {
    manifest: { type: 'string', multiple: true },
    out: { type: 'string' },
    ways: { type: 'string' },
  },
});
// Each way once: its name (the manifest's format), the file's new ending, how it is written.
const REWRITES = [
  writtenAs('cmyk-jpeg', '_cmyk_q95.jpg', (b) =>
    sharp(b).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer(),
  ),
  writtenAs('tiff-jpeg', '_q90.tif', (b) => sharp(b).tiff({ compression: 'jpeg', quality: 90 }).toBuffer()),
  writtenAs('gray', '_gray.png', (b) => sharp(b).grayscale().png().toBuffer()),
  writtenAs('gray-jpeg', '_gray_q90.jpg', (b) => sharp(b).grayscale().jpeg({ quality: 90 }).toBuffer()),
  writtenAs('wide', '_320x224.png', (b) => sharp(b).resize(320, 224, { fit: 'fill' }).png().toBuffer()),
  writtenAs('tall', '_224x320.png', (b) => sharp(b).resize(224, 320, { fit: 'fill' }).png().toBuffer()),
  writtenAs('up-jpeg', '_320_q90.jpg', (b) => sharp(b).resize(320, 320).jpeg({ quality: 90 }).toBuffer()),
  writtenAs('gray-up', '_gray_320.png', (b) => sharp(b).grayscale().resize(320, 320).png().toBuffer()),
  writtenAs('luma', '_luma.png', async (b) => lumaPng(await rgbPixels(b))),
];
const WAYS = REWRITES.map((rewrite) => rewrite.format);
const ways = values.ways?.split(',') ?? WAYS;
if (!values.manifest?.length || !values.out || !ways.every((w) => WAYS.includes(w))) {
  console.error(
    `usage: node scripts/route-corpus.ts --manifest M.jsonl [--manifest ...] --out DIR [--ways ${WAYS.join(',')}]`,
  );
  process.exit(2);
}
const chosen = REWRITES.filter((rewrite) => ways.includes(rewrite.format));
await writeRewrittenCorpus(values.manifest, values.out, (line) => (line.format === 'png' ? chosen : []));
