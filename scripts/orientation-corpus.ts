// node scripts/orientation-corpus.ts --manifest M.jsonl [--manifest ...] --out DIR
// Writes each lossless file of labelled corpora three ways that an orientation tag changes
// (docs/detection.md, "Orientation tags"): `png-tagged`, stored turned a quarter anticlockwise
// with EXIF orientation 6, so shown exactly as the file; `jpeg`, written as JPEG quality 90;
// `jpeg-tagged`, that JPEG stored turned and tagged 6, shown as the untagged JPEG. Each corpus
// JPEG is also written with a tag 6 spliced in, its data untouched (`jpeg-spliced`: shown turned).
// With a manifest in the corpus format; each attack's success is asked of the victim model (the
// bundled spec) on the decoded file. For bench:detect and bench:cascade.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import type { CorpusManifestLine } from '@advscreen/contracts';
import { tagJpegOrientation } from '@advscreen/imaging';
import { BUNDLED_MODEL_SPEC, createOnnxModel, loadModelSpec } from '@advscreen/inference';
import { writeCorpusManifest } from '@advscreen/pipeline';
import sharp from 'sharp';
import { loadManifests, successOnceWritten } from './corpus-files.ts';

const { values } = parseArgs({
  options: { manifest: { type: 'string', multiple: true }, out: { type: 'string' } },
});
if (!values.manifest?.length || !values.out) {
  console.error('usage: node scripts/orientation-corpus.ts --manifest M.jsonl [--manifest ...] --out DIR');
  process.exit(2);
}
const out = values.out;
const config = loadConfig();
const model = await createOnnxModel(loadModelSpec(BUNDLED_MODEL_SPEC), 'cpu');
const turned = (bytes: Buffer) => sharp(bytes).rotate(270).withMetadata({ orientation: 6 });
const ways: Record<
  string,
  { from: 'png' | 'jpeg'; suffix: string; write: (bytes: Buffer) => Promise<Buffer> }
> = {
  'png-tagged': { from: 'png', suffix: '_o6.png', write: (bytes) => turned(bytes).png().toBuffer() },
  jpeg: { from: 'png', suffix: '_q90.jpg', write: (bytes) => sharp(bytes).jpeg({ quality: 90 }).toBuffer() },
  'jpeg-tagged': {
    from: 'png',
    suffix: '_q90_o6.jpg',
    write: (bytes) => turned(bytes).jpeg({ quality: 90 }).toBuffer(),
  },
  'jpeg-spliced': { from: 'jpeg', suffix: '_spliced_o6.jpg', write: (bytes) => tagJpegOrientation(bytes, 6) },
};
const written: CorpusManifestLine[] = [];
for (const { manifest, store } of await loadManifests(values.manifest)) {
  for (const line of manifest.lines) {
    const source = await store.read(line.path, config.decode.maxBytes);
    for (const [way, { from, suffix, write }] of Object.entries(ways)) {
      if (line.format !== from) continue;
      const bytes = await write(source);
      const file = line.path.replace(/\.(png|jpg|jpeg)$/, suffix);
      await mkdir(path.join(out, path.dirname(file)), { recursive: true });
      await writeFile(path.join(out, file), bytes);
      written.push({
        ...line,
        path: file,
        // The way, so that the benches' tables tell them apart.
        format: way,
        success: await successOnceWritten(model, line, bytes, config.decode),
        generator: `${line.generator ?? 'corpus file'}; written as ${way}`,
      });
    }
  }
}
await model.close();
await writeCorpusManifest(path.join(out, 'manifest.jsonl'), written);
const attacks = written.filter((line) => line.kind === 'adv');
console.log(
  `${written.length} files in ${out}: ${written.length - attacks.length} clean, ${attacks.length} attacks, ${attacks.filter((line) => line.success).length} still fooling the model`,
);
