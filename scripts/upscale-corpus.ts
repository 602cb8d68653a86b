// node scripts/upscale-corpus.ts --manifest M.jsonl --out DIR --sizes 225,232,256,300,336,448
// Writes each lossless file of a labelled corpus upscaled whole to each size (sharp's default
// kernel, Lanczos 3), as PNG, with a manifest in the corpus format: an attacker's cheapest way
// to send a 224 px attack as a file the detector must resize. Each attack's success is asked of
// the victim model (the bundled spec) on the decoded, resized file. For bench:detect and
// bench:cascade (docs/detection.md, "Attacks upscaled whole").
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { writeRewrittenCorpus } from './corpus-files.ts';

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
await writeRewrittenCorpus(values.manifest, values.out, (line) =>
  line.format === 'png'
    ? sizes.map((size) => ({
        suffix: `_${size}.png`,
        format: `png${size}`,
        says: `upscaled to ${size} px`,
        write: (bytes: Buffer) => sharp(bytes).resize(size, size).png().toBuffer(),
      }))
    : [],
);
