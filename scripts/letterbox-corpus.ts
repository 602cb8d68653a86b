// node scripts/letterbox-corpus.ts --manifest M.jsonl [--manifest ...] --out DIR [--seed 1]
// Each PNG of labelled corpora letterboxed (bars top and bottom) or pillarboxed (left and right)
// into 224x224, as padded thumbnails and video frames arrive: the picture cropped to 1:2, 9:16 or
// 3:4 in turn, the bars black (3 in 4) or white; written as PNG and as JPEG (quality 70-95, 4:2:0).
// For docs/detection.md, "Letterboxed and padded photos".
import { parseArgs } from 'node:util';
import { seededRandom } from '@advscreen/attacks';
import sharp, { type Sharp } from 'sharp';
import { writeRewrittenCorpus, writtenAs } from './corpus-files.ts';

const { values } = parseArgs({
  options: {
    manifest: { type: 'string', multiple: true },
    out: { type: 'string' },
    seed: { type: 'string', default: '1' },
  },
});
if (!values.manifest?.length || !values.out) {
  console.error(
    'usage: node scripts/letterbox-corpus.ts --manifest M.jsonl [--manifest ...] --out DIR [--seed 1]',
  );
  process.exit(2);
}
const random = seededRandom(Number(values.seed));
const RATIOS = [0.5, 0.5625, 0.75];
async function letterbox(bytes: Buffer, ratio: number, portrait: boolean, bar: string): Promise<Sharp> {
  const short = Math.round(224 * ratio);
  const [w, h] = portrait ? [short, 224] : [224, short];
  const content = await sharp(bytes).resize(w, h, { fit: 'cover' }).removeAlpha().png().toBuffer();
  const pad = 224 - short;
  const [a, b] = [Math.floor(pad / 2), pad - Math.floor(pad / 2)];
  return sharp(content).extend(
    portrait
      ? { left: a, right: b, top: 0, bottom: 0, background: bar }
      : { top: a, bottom: b, left: 0, right: 0, background: bar },
  );
}
let i = 0;
await writeRewrittenCorpus(values.manifest, values.out, (line) => {
  if (line.format !== 'png') return [];
  const ratio = RATIOS[i % RATIOS.length] as number;
  const portrait = Math.floor(i / RATIOS.length) % 2 === 1;
  const bar = random() < 0.75 ? '#000000' : '#ffffff';
  const quality = 70 + Math.floor(random() * 26);
  i++;
  const tag = `_lb${Math.round(ratio * 100)}${portrait ? 'p' : 'l'}`;
  return [
    writtenAs('png', `${tag}.png`, async (bytes) =>
      (await letterbox(bytes, ratio, portrait, bar)).png().toBuffer(),
    ),
    writtenAs('jpeg', `${tag}_q${quality}.jpg`, async (bytes) =>
      (await letterbox(bytes, ratio, portrait, bar)).jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer(),
    ),
  ];
});
