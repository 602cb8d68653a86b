// node scripts/make-clean-crops.ts --out DIR [--seed 42] [--resized-lossy] <folder of images> [more folders]
// Clean training and validation images from any folder of photos, made the way the development
// corpus was: per image, 4 random square crops (45-100% of the short side) resized to 224x224
// (bilinear), each written as PNG and as JPEG at a random quality 70-95, with a manifest in the
// corpus format (kind clean, source_photo "<folder name>/<image name>"). With --resized-lossy,
// each crop is also written at a random size 256-1024 as lossy WebP and as JPEG (quality 70-95),
// as real traffic comes: files the detector must resize, which its lossless model scores. The
// bundled detector's extra clean images come from Debian wallpaper packages (docs/detection.md).
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { seededRandom } from '@advscreen/attacks';
import type { CorpusManifestLine } from '@advscreen/contracts';
import { writeCorpusManifest } from '@advscreen/pipeline';
import sharp from 'sharp';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string' },
    seed: { type: 'string', default: '42' },
    'resized-lossy': { type: 'boolean', default: false },
    size: { type: 'string', default: '224' },
  },
});
if (!values.out || positionals.length === 0) {
  console.error('usage: node scripts/make-clean-crops.ts --out DIR [--seed 42] <folder> [more folders]');
  process.exit(2);
}
const out = values.out;
const size = Number(values.size);
const random = seededRandom(Number(values.seed));
// Its own sequence, so the 224 px crops are the same with or without the resized files.
const resizedRandom = seededRandom(Number(values.seed) + 1);
const lines: CorpusManifestLine[] = [];
for (const folder of positionals) {
  const group = path.basename(path.resolve(folder));
  await mkdir(path.join(out, group), { recursive: true });
  for (const file of (await readdir(folder)).sort()) {
    const input = path.join(folder, file);
    // Wallpaper packages also ship vector art (gnome-backgrounds' SVGs), which the SVG block that
    // importing pipeline (imaging) puts on this process refuses: skipped, and said, so the
    // package's other images still make crops.
    const metadata = await sharp(input)
      .metadata()
      .catch((error: unknown) => {
        console.error(`skipped ${input}: ${error instanceof Error ? error.message : String(error)}`);
        return null;
      });
    if (!metadata) continue;
    const { width = 0, height = 0 } = metadata;
    const short = Math.min(width, height);
    if (short < size) continue;
    for (let k = 0; k < 4; k++) {
      const side = Math.round(short * (0.45 + 0.55 * random()));
      const left = Math.floor(random() * (width - side + 1));
      const top = Math.floor(random() * (height - side + 1));
      const cropAt = (pixels: number) =>
        sharp(input)
          .extract({ left, top, width: side, height: side })
          .resize(pixels, pixels, { kernel: 'linear', fit: 'fill' })
          .removeAlpha();
      const crop = cropAt(size);
      const name = `${group}/${path.parse(file).name}_${k}`;
      const quality = 70 + Math.floor(random() * 26);
      await writeFile(path.join(out, `${name}.png`), await crop.clone().png().toBuffer());
      await writeFile(path.join(out, `${name}.jpg`), await crop.clone().jpeg({ quality }).toBuffer());
      const base = { kind: 'clean' as const, attack: null, eps: null, success: null, split: 'extra-clean' };
      const source_photo = `${group}/${path.parse(file).name}`;
      lines.push({ ...base, path: `${name}.png`, source_photo, format: 'png' });
      lines.push({ ...base, path: `${name}.jpg`, source_photo, format: 'jpeg', jpeg_quality: quality });
      if (!values['resized-lossy']) continue;
      for (const format of ['webp', 'jpeg'] as const) {
        const resized = 256 + Math.floor(resizedRandom() * 769);
        const resizedQuality = 70 + Math.floor(resizedRandom() * 26);
        const encoder = cropAt(resized);
        const bytes = await (format === 'webp'
          ? encoder.webp({ quality: resizedQuality })
          : encoder.jpeg({ quality: resizedQuality })
        ).toBuffer();
        const file = `${name}_${resized}px.${format === 'webp' ? 'webp' : 'jpg'}`;
        await writeFile(path.join(out, file), bytes);
        lines.push({ ...base, path: file, source_photo, format });
      }
    }
  }
}
await writeCorpusManifest(path.join(out, 'manifest.jsonl'), lines);
console.log(
  `${lines.length} clean files from ${new Set(lines.map((l) => l.source_photo)).size} images in ${out}`,
);
