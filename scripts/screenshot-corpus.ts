// node scripts/screenshot-corpus.ts <drawings manifest.jsonl> <photo crops manifest.jsonl> <out dir>
// Screenshots of a photo in an app: each 224 px drawing of scripts/graphics-corpus.ts (windows,
// charts, diagrams, icons) with a clean photo crop pasted in, covering 35%, 50% or 70% of it in
// turn, written as PNG and as JPEG (quality 70-95). Clean only. For docs/detection.md, Known limits.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { CorpusManifestLine } from '@advscreen/contracts';
import { readCorpusManifest, writeCorpusManifest } from '@advscreen/pipeline';
import sharp from 'sharp';

const [drawingsManifest, photosManifest, out] = process.argv.slice(2);
if (!drawingsManifest || !photosManifest || !out) {
  console.error('usage: node scripts/screenshot-corpus.ts DRAWINGS.jsonl PHOTOS.jsonl OUT');
  process.exit(2);
}
const drawings = await readCorpusManifest(drawingsManifest);
const photos = await readCorpusManifest(photosManifest);
const photoLines = photos.lines.filter((l) => l.kind === 'clean' && l.format === 'png');
await mkdir(path.join(out, 'img'), { recursive: true });
const written: CorpusManifestLine[] = [];
for (const [i, drawing] of drawings.lines.entries()) {
  const photo = photoLines[i % photoLines.length] as CorpusManifestLine;
  const share = [0.35, 0.5, 0.7][i % 3] as number;
  const width = Math.round(224 * Math.sqrt(share) * 1.15);
  const height = Math.round((224 * 224 * share) / width);
  const inset = await sharp(await readFile(path.join(photos.root, photo.path)))
    .resize(width, height, { fit: 'cover' })
    .png()
    .toBuffer();
  const png = await sharp(await readFile(path.join(drawings.root, drawing.path)))
    .composite([
      { input: inset, left: Math.round((224 - width) / 2), top: Math.min(224 - height, 30 + (i % 4) * 5) },
    ])
    .removeAlpha()
    .png()
    .toBuffer();
  const quality = 70 + ((i * 7) % 26);
  const file = `img/${String(i).padStart(4, '0')}_shot${Math.round(share * 100)}`;
  await writeFile(path.join(out, `${file}.png`), png);
  await writeFile(path.join(out, `${file}_q${quality}.jpg`), await sharp(png).jpeg({ quality }).toBuffer());
  const common = {
    ...photo,
    success: null,
    source_photo: `shot/${photo.source_photo}/${i}`,
    split: 'screenshot',
  };
  written.push({ ...common, path: `${file}.png`, format: 'png' });
  written.push({
    ...common,
    path: `${file}_q${quality}.jpg`,
    format: 'jpeg',
    jpeg_quality: quality,
  } as CorpusManifestLine);
}
await writeCorpusManifest(path.join(out, 'manifest.jsonl'), written);
console.log(`${written.length} screenshots (PNG and JPEG) in ${out}`);
