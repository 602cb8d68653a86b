// node scripts/upscale-corpus.ts --manifest M.jsonl --out DIR --sizes 225,232,256,300,336,448 [--kernel lanczos3]
// Writes each lossless file of a labelled corpus upscaled whole to each size, as PNG, with a
// manifest in the corpus format: an attacker's cheapest way to send a 224 px attack as a file the
// detector must resize. `--kernel`: sharp's resize kernel (nearest, linear, cubic, mitchell,
// lanczos2, lanczos3: its default). Each attack's success is asked of the victim model (the
// bundled spec) on the decoded, resized file. For bench:detect and bench:cascade
// (docs/detection.md, "Attacks upscaled whole").
import { parseArgs } from 'node:util';
import sharp, { type KernelEnum } from 'sharp';
import { RESIZE_KERNELS, writeRewrittenCorpus } from './corpus-files.ts';

const { values } = parseArgs({
  options: {
    manifest: { type: 'string', multiple: true },
    out: { type: 'string' },
    sizes: { type: 'string' },
    kernel: { type: 'string', default: 'lanczos3' },
  },
});
const sizes = (values.sizes ?? '').split(',').map(Number);
const kernel = RESIZE_KERNELS.find((k) => k === values.kernel);
if (
  !values.manifest?.length ||
  !values.out ||
  !kernel ||
  !sizes.every((size) => Number.isInteger(size) && size > 0)
) {
  console.error(
    `usage: node scripts/upscale-corpus.ts --manifest M.jsonl [--manifest ...] --out DIR --sizes 225,256,448 [--kernel ${RESIZE_KERNELS.join('|')}]`,
  );
  process.exit(2);
}
// The default kernel keeps the names and formats of the files written before --kernel existed.
const tag = kernel === 'lanczos3' ? '' : `_${kernel}`;
await writeRewrittenCorpus(values.manifest, values.out, (line) =>
  line.format === 'png'
    ? sizes.map((size) => ({
        suffix: `_${size}${tag}.png`,
        format: `png${size}${tag}`,
        says: `upscaled to ${size} px${tag ? ` (${kernel})` : ''}`,
        write: (bytes: Buffer) =>
          sharp(bytes)
            .resize(size, size, { kernel: kernel as keyof KernelEnum })
            .png()
            .toBuffer(),
      }))
    : [],
);
