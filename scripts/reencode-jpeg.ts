// node scripts/reencode-jpeg.ts --manifest M.jsonl [--manifest ...] --out DIR [--quality 70-95] [--chroma 4:4:4|4:2:0|4:2:2] [--format jpeg|webp|avif] [--seed 1]
// Writes each lossless file of labelled corpora as a JPEG with the chroma subsampling given
// (photo editors' high-quality exports keep full-resolution 4:4:4 chroma; most encoders write
// 4:2:0, many cameras 4:2:2, written here by libjpeg-turbo's cjpeg), or as a lossy WebP
// (`--format webp`) or AVIF (`--format avif`, libaom through sharp: slow), at one quality or a random quality of a range per file, with a
// manifest in the corpus format: each attack's success is asked of the victim model (the
// bundled spec) on the decoded file, as re-encoding can undo it. For bench:detect and
// bench:cascade on file kinds the corpora do not hold (docs/detection.md).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { seededRandom } from '@advscreen/attacks';
import { loadConfig } from '@advscreen/config';
import type { CorpusManifestLine } from '@advscreen/contracts';
import { encodeLossy, isJpegEncodeChroma, isLossyFormat, type LossyFormat } from '@advscreen/imaging';
import { BUNDLED_MODEL_SPEC, createOnnxModel, loadModelSpec } from '@advscreen/inference';
import { writeCorpusManifest } from '@advscreen/pipeline';
import { loadManifests, successOnceWritten } from './corpus-files.ts';

const { values } = parseArgs({
  options: {
    manifest: { type: 'string', multiple: true },
    out: { type: 'string' },
    quality: { type: 'string', default: '90' },
    chroma: { type: 'string', default: '4:4:4' },
    format: { type: 'string', default: 'jpeg' },
    seed: { type: 'string', default: '1' },
  },
});
function exitWithUsage(): never {
  console.error(
    'usage: node scripts/reencode-jpeg.ts --manifest M.jsonl [--manifest ...] --out DIR [--quality 90 | 70-95] [--chroma 4:4:4|4:2:0|4:2:2] [--format jpeg|webp|avif] [--seed 1]',
  );
  process.exit(2);
}
const [low, high = low] = (values.quality ?? '').split('-').map(Number) as [number, number?];
const chroma = values.chroma;
if (
  !values.manifest?.length ||
  !values.out ||
  !(low >= 1 && high <= 100 && low <= high) ||
  !isJpegEncodeChroma(chroma)
)
  exitWithUsage();
/** How each format's files are named and described. */
const WRITERS = {
  jpeg: {
    suffix: (quality: number) => `_q${quality}_${chroma.replaceAll(':', '')}.jpg`,
    describe: (quality: number) => `JPEG quality ${quality}, chroma ${chroma}`,
  },
  webp: {
    suffix: (quality: number) => `_q${quality}.webp`,
    describe: (quality: number) => `lossy WebP quality ${quality}`,
  },
  avif: {
    suffix: (quality: number) => `_q${quality}.avif`,
    describe: (quality: number) => `AVIF quality ${quality} (libaom effort 4, sharp's default)`,
  },
} satisfies Record<
  LossyFormat,
  { suffix: (quality: number) => string; describe: (quality: number) => string }
>;
const format = values.format;
if (!isLossyFormat(format)) exitWithUsage();
const writer = WRITERS[format];
const config = loadConfig();
const random = seededRandom(Number(values.seed));
const model = await createOnnxModel(loadModelSpec(BUNDLED_MODEL_SPEC), 'cpu');
const written: CorpusManifestLine[] = [];
for (const { manifest, store } of await loadManifests(values.manifest)) {
  for (const line of manifest.lines.filter((l) => l.format === 'png')) {
    const quality = low + Math.floor(random() * (high - low + 1));
    const lossless = await store.read(line.path, config.decode.maxBytes);
    const bytes = await encodeLossy(lossless, format, { quality, chroma });
    const success = await successOnceWritten(model, line, bytes, config.decode);
    const file = line.path.replace(/\.png$/, writer.suffix(quality));
    await mkdir(path.join(values.out, path.dirname(file)), { recursive: true });
    await writeFile(path.join(values.out, file), bytes);
    written.push({
      ...line,
      path: file,
      format,
      ...(format === 'jpeg' ? { jpeg_quality: quality } : {}),
      success,
      generator: `${line.generator ?? 'corpus file'}; re-encoded as ${writer.describe(quality)}`,
    });
  }
}
await model.close();
await writeCorpusManifest(path.join(values.out, 'manifest.jsonl'), written);
const attacks = written.filter((line) => line.kind === 'adv');
console.log(
  `${written.length} ${format} files${format === 'jpeg' ? ` (${chroma})` : ''} in ${values.out}: ${written.length - attacks.length} clean, ${attacks.length} attacks, ${attacks.filter((line) => line.success).length} still fooling the model`,
);
