// node scripts/orientation-corpus.ts --manifest M.jsonl [--manifest ...] --out DIR
// Writes each lossless file of labelled corpora three ways that an orientation tag changes
// (docs/detection.md, "Orientation tags"): `png-tagged`, stored turned a quarter anticlockwise
// with EXIF orientation 6, so shown exactly as the file; `jpeg`, written as JPEG quality 90;
// `jpeg-tagged`, that JPEG stored turned and tagged 6, shown as the untagged JPEG. Each corpus
// JPEG is also written with a tag 6 spliced in, its data untouched (`jpeg-spliced`: shown turned).
// With a manifest in the corpus format; each attack's success is asked of the victim model (the
// bundled spec) on the decoded file. For bench:detect and bench:cascade.
import { parseArgs } from 'node:util';
import { tagJpegOrientation } from '@advscreen/imaging';
import sharp from 'sharp';
import { writtenAs as way, writeRewrittenCorpus } from './corpus-files.ts';

const { values } = parseArgs({
  options: { manifest: { type: 'string', multiple: true }, out: { type: 'string' } },
});
if (!values.manifest?.length || !values.out) {
  console.error('usage: node scripts/orientation-corpus.ts --manifest M.jsonl [--manifest ...] --out DIR');
  process.exit(2);
}
const turned = (bytes: Buffer) => sharp(bytes).rotate(270).withMetadata({ orientation: 6 });
await writeRewrittenCorpus(values.manifest, values.out, (line) => {
  if (line.format === 'jpeg')
    return [way('jpeg-spliced', '_spliced_o6.jpg', (bytes) => tagJpegOrientation(bytes, 6))];
  if (line.format !== 'png') return [];
  return [
    way('png-tagged', '_o6.png', (bytes) => turned(bytes).png().toBuffer()),
    way('jpeg', '_q90.jpg', (bytes) => sharp(bytes).jpeg({ quality: 90 }).toBuffer()),
    way('jpeg-tagged', '_q90_o6.jpg', (bytes) => turned(bytes).jpeg({ quality: 90 }).toBuffer()),
  ];
});
