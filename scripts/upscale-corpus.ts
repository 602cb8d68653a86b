// node scripts/upscale-corpus.ts --manifest M.jsonl --out DIR --sizes 225,232,256,300,336,448
// Writes each lossless file of a labelled corpus upscaled whole to each size (sharp's default
// kernel, Lanczos 3), as PNG, with a manifest in the corpus format: an attacker's cheapest way
// to send a 224 px attack as a file the detector must resize. Each attack's success is asked of
// the victim model (the bundled spec) on the decoded, resized file. For bench:detect and
// bench:cascade (docs/detection.md, "Attacks upscaled whole").
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import type { CorpusManifestLine } from '@advscreen/contracts';
import { BUNDLED_MODEL_SPEC, createOnnxModel, loadModelSpec } from '@advscreen/inference';
import { writeCorpusManifest } from '@advscreen/pipeline';
import sharp from 'sharp';
import { loadManifests, successOnceWritten } from './corpus-files.ts';

const { values } = parseArgs({
  options: {
    manifest: { type: 'string', multiple: true },
    out: { type: 'string' },
    sizes: { type: 'string' },
  },
});
const sizes = (values.sizes ?? '').split(',').map(Number);
if (!values.manifest?.length || !values.out || !sizes.every((size) => Number.isInteger(size) && size > 0)) {
  console.error(
    'usage: node scripts/upscale-corpus.ts --manifest M.jsonl [--manifest ...] --out DIR --sizes 225,256,448',
  );
  process.exit(2);
}
const out = values.out;
const config = loadConfig();
const model = await createOnnxModel(loadModelSpec(BUNDLED_MODEL_SPEC), 'cpu');
const written: CorpusManifestLine[] = [];
for (const { manifest, store } of await loadManifests(values.manifest)) {
  for (const line of manifest.lines.filter((l) => l.format === 'png')) {
    const source = await store.read(line.path, config.decode.maxBytes);
    for (const size of sizes) {
      const bytes = await sharp(source).resize(size, size).png().toBuffer();
      const file = line.path.replace(/\.png$/, `_${size}.png`);
      await mkdir(path.join(out, path.dirname(file)), { recursive: true });
      await writeFile(path.join(out, file), bytes);
      written.push({
        ...line,
        path: file,
        format: `png${size}`,
        success: await successOnceWritten(model, line, bytes, config.decode),
        generator: `${line.generator ?? 'corpus file'}; upscaled to ${size} px`,
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
