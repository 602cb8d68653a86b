// node scripts/palette-corpus.ts --manifest M.jsonl [--manifest ...] --out DIR [--encoding gif,gif-undithered,png8]
// Writes each lossless file of labelled corpora as palette images (GIF dithered and undithered,
// 8-bit palette PNG: imaging's encodePalette), with a manifest in the corpus format: each
// attack's success is asked of the victim model (the bundled spec) on the decoded file. For the
// palette branch's operating point (scripts/palette-operating-point.ts) and for bench:detect and
// bench:cascade on palette inputs (docs/detection.md, "Palette images").
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import type { CorpusManifestLine } from '@advscreen/contracts';
import { encodePalette, isPaletteEncoding, PALETTE_ENCODINGS } from '@advscreen/imaging';
import { BUNDLED_MODEL_SPEC, createOnnxModel, loadModelSpec } from '@advscreen/inference';
import { writeCorpusManifest } from '@advscreen/pipeline';
import { loadManifests, successOnceWritten } from './corpus-files.ts';

const { values } = parseArgs({
  options: {
    manifest: { type: 'string', multiple: true },
    out: { type: 'string' },
    encoding: { type: 'string', default: PALETTE_ENCODINGS.join(',') },
  },
});
const encodings = (values.encoding ?? '').split(',');
if (!values.manifest?.length || !values.out || !encodings.every(isPaletteEncoding)) {
  console.error(
    `usage: node scripts/palette-corpus.ts --manifest M.jsonl [--manifest ...] --out DIR [--encoding ${PALETTE_ENCODINGS.join(',')}]`,
  );
  process.exit(2);
}
const config = loadConfig();
const model = await createOnnxModel(loadModelSpec(BUNDLED_MODEL_SPEC), 'cpu');
const written: CorpusManifestLine[] = [];
for (const { manifest, store } of await loadManifests(values.manifest)) {
  for (const line of manifest.lines.filter((l) => l.format === 'png')) {
    const lossless = await store.read(line.path, config.decode.maxBytes);
    for (const encoding of encodings.filter(isPaletteEncoding)) {
      const bytes = await encodePalette(lossless, encoding);
      const success = await successOnceWritten(model, line, bytes, config.decode);
      const file = line.path.replace(/\.png$/, `_${encoding}.${encoding === 'png8' ? 'png' : 'gif'}`);
      await mkdir(path.join(values.out, path.dirname(file)), { recursive: true });
      await writeFile(path.join(values.out, file), bytes);
      written.push({
        ...line,
        path: file,
        // The encoding, so that the benches' tables tell them apart.
        format: encoding,
        success,
        generator: `${line.generator ?? 'corpus file'}; written as ${encoding}`,
      });
    }
  }
}
await model.close();
await writeCorpusManifest(path.join(values.out, 'manifest.jsonl'), written);
const attacks = written.filter((line) => line.kind === 'adv');
console.log(
  `${written.length} palette files in ${values.out}: ${written.length - attacks.length} clean, ${attacks.length} attacks, ${attacks.filter((line) => line.success).length} still fooling the model`,
);
