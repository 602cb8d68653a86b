// node scripts/grain-corpus.ts --manifest M.jsonl [--manifest ...] --out DIR [--max-sigma 2.5]
// Clean training files for the detector's luminance model: each clean PNG of labelled corpora with
// white Gaussian grain added (sigma drawn from 1 to --max-sigma 8-bit steps; the same draw in all
// three channels or one per channel; both drawn per file from its path), written as the BT.601
// luma the luminance model reads (`roundedLuma`), a grey PNG. Film grain and low-light sensor noise
// are what the grey model read as perturbation on colour photos' luminance
// (docs/decisions/0015-luminance-model.md). Attacks are skipped.
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { seededRandom } from '@advscreen/attacks';
import { lumaPng, rgbPixels, writeRewrittenCorpus, writtenAs } from './corpus-files.ts';

const { values } = parseArgs({
  options: {
    manifest: { type: 'string', multiple: true },
    out: { type: 'string' },
    'max-sigma': { type: 'string', default: '2.5' },
  },
});
const maxSigma = Number(values['max-sigma']);
if (!values.manifest?.length || !values.out || !(maxSigma >= 1)) {
  console.error(
    'usage: node scripts/grain-corpus.ts --manifest M.jsonl [--manifest ...] --out DIR [--max-sigma 2.5]',
  );
  process.exit(2);
}

/** Standard normal draws (Box-Muller) from a seeded uniform source. */
function normalSource(seed: number): () => number {
  const uniform = seededRandom(seed);
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

async function grainedLuma(bytes: Buffer, seed: number): Promise<Buffer> {
  const { width, height, data } = await rgbPixels(bytes);
  const random = seededRandom(seed);
  const sigma = 1 + random() * (maxSigma - 1);
  const perChannel = random() < 0.5;
  const normal = normalSource(seed ^ 0x9e3779b9);
  const grained = new Uint8Array(data.length);
  for (let p = 0; p < data.length; p += 3) {
    const shared = normal();
    for (let c = 0; c < 3; c++) {
      const noise = perChannel ? normal() : shared;
      grained[p + c] = Math.max(0, Math.min(255, Math.round((data[p + c] as number) + sigma * noise)));
    }
  }
  return lumaPng({ width, height, data: grained });
}

const seedOf = (text: string) => createHash('sha1').update(text).digest().readUInt32BE(0);
const grain = (path: string) =>
  writtenAs('grain-luma', '_grain_luma.png', (bytes) => grainedLuma(bytes, seedOf(path)));
await writeRewrittenCorpus(values.manifest, values.out, (line) =>
  line.kind === 'clean' && line.format === 'png' ? [grain(line.path)] : [],
);
