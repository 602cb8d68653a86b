// Text drawn on clean photo crops, as people post photos: meme captions (top and bottom, white
// with a black outline), watermarks (a handle in a corner), subtitle bars and story captions (a
// translucent band). Each crop gets one style in turn and is written as PNG and as JPEG (quality
// 70-95, 4:2:0): `advscreen attack` and `bench:cascade` take the manifest as any other.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { seededRandom } from '@advscreen/attacks';
import type { CorpusManifestLine } from '@advscreen/contracts';
import { writeCorpusManifest } from '@advscreen/pipeline';
import sharp from 'sharp';

// The project's packages load imaging, which blocks every sharp loader but the screened formats'
// process-wide (decode-image.ts); the captions are SVG this script draws, so it lets that one
// loader back in.
sharp.unblock({ operation: ['VipsForeignLoadSvgBuffer'] });

const STYLES = ['meme', 'watermark', 'subtitle', 'story'] as const;
type Style = (typeof STYLES)[number];
const { values } = parseArgs({
  options: {
    manifest: { type: 'string' },
    out: { type: 'string' },
    seed: { type: 'string', default: '1' },
  },
});
if (!values.manifest || !values.out) {
  console.error('usage: node scripts/caption-corpus.ts --manifest M.jsonl --out DIR [--seed 1]');
  process.exit(2);
}

const random = seededRandom(Number(values.seed));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const between = (low: number, high: number) => low + random() * (high - low);
const int = (low: number, high: number) => Math.floor(between(low, high + 1));
const WORDS =
  'when you finally get the weekend off me trying to explain my code nobody monday again look at this view best day ever cannot believe it happened my cat dinner is late that moment summer vibes road trip new phone who dis'.split(
    ' ',
  );
const words = (n: number) => Array.from({ length: n }, () => pick(WORDS)).join(' ');
const FONTS = ['DejaVu Sans', 'DejaVu Serif', 'DejaVu Sans Condensed'];
const f = (n: number) => n.toFixed(1);

function caption(style: Style, width: number, height: number): string {
  const font = `font-family="${pick(FONTS)}"`;
  const centred = `x="${width / 2}" text-anchor="middle"`;
  switch (style) {
    case 'meme': {
      const size = between(16, 26);
      const line = (y: number) =>
        `<text ${centred} y="${f(y)}" ${font} font-weight="bold" font-size="${f(size)}" fill="white" stroke="black" stroke-width="${between(1, 2.5).toFixed(2)}" paint-order="stroke">${words(int(2, 3)).toUpperCase()}</text>`;
      const top = random() < 0.8;
      return (top ? line(size + 4) : '') + (!top || random() < 0.7 ? line(height - 8) : '');
    }
    case 'watermark': {
      const size = between(9, 14);
      const left = random() < 0.5;
      const y = random() < 0.7 ? height - 6 : size + 4;
      return `<text x="${left ? 6 : width - 6}" y="${f(y)}" text-anchor="${left ? 'start' : 'end'}" ${font} font-size="${f(size)}" fill="white" fill-opacity="${between(0.35, 0.85).toFixed(2)}">@${pick(WORDS)}_${int(1, 999)}</text>`;
    }
    case 'subtitle': {
      const size = between(10, 14);
      const bar = size * 1.8;
      return `<rect y="${f(height - bar - 6)}" width="${width}" height="${f(bar)}" fill="black" fill-opacity="${between(0.4, 0.8).toFixed(2)}"/><text ${centred} y="${f(height - 6 - bar * 0.3)}" ${font} font-size="${f(size)}" fill="${pick(['white', '#ffff66'])}">${words(int(3, 5))}</text>`;
    }
    case 'story': {
      const size = between(11, 16);
      const y = between(height * 0.3, height * 0.7);
      return `<rect y="${f(y - size * 1.2)}" width="${width}" height="${f(size * 1.7)}" fill="black" fill-opacity="${between(0.3, 0.6).toFixed(2)}"/><text ${centred} y="${f(y)}" ${font} font-size="${f(size)}" fill="white">${words(int(2, 5))}</text>`;
    }
  }
}

// The lines as written, not readCorpusManifest's parsed ones, so the captioned lines carry the
// source's fields and no defaults.
const root = path.dirname(values.manifest);
const sources = (await readFile(values.manifest, 'utf8'))
  .split('\n')
  .filter(Boolean)
  .map((text) => JSON.parse(text) as CorpusManifestLine)
  .filter((line) => line.kind === 'clean' && line.format === 'png');
const written: CorpusManifestLine[] = [];
for (const [i, line] of sources.entries()) {
  const style = STYLES[i % STYLES.length] as Style;
  const photo = await readFile(path.join(root, line.path));
  const { width = 0, height = 0 } = await sharp(photo).metadata();
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${caption(style, width, height)}</svg>`;
  const png = await sharp(photo)
    .composite([{ input: Buffer.from(svg) }])
    .removeAlpha()
    .png()
    .toBuffer();
  const quality = int(70, 95);
  const jpeg = await sharp(png).jpeg({ quality, chromaSubsampling: '4:2:0' }).toBuffer();
  const stem = line.path.replace(/\.[a-z0-9]+$/i, `_${style}`);
  await mkdir(path.join(values.out, path.dirname(stem)), { recursive: true });
  await writeFile(path.join(values.out, `${stem}.png`), png);
  await writeFile(path.join(values.out, `${stem}.jpg`), jpeg);
  const generator = `${line.generator ?? 'corpus file'}; ${style} text drawn on it (scripts/caption-corpus.ts)`;
  const common = { ...line, success: null, split: 'caption', generator };
  written.push({ ...common, path: `${stem}.png`, format: 'png' });
  written.push({
    ...common,
    path: `${stem}.jpg`,
    format: 'jpeg',
    jpeg_quality: quality,
  } as CorpusManifestLine);
}
await mkdir(values.out, { recursive: true });
await writeCorpusManifest(path.join(values.out, 'manifest.jsonl'), written);
console.log(`${written.length} captioned files (${sources.length} crops, PNG and JPEG) in ${values.out}`);
