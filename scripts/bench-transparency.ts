// npm run bench:transparency -- <folder of honest images with alpha> [more folders] [--crafted <folder of clean photos>] [--limit N]
// How the decoder's transparency rule treats real transparent images (clip art, icons, cut-outs:
// every PNG and WebP with an alpha channel under each folder, symbolic links skipped) and
// AlphaDog-style files made from clean photos (`--crafted`): refused as partly_transparent now,
// and by the earlier rule (more than 10% of the analysis image partly transparent). Crafted
// kinds, each over the whole image and in 40% of it (the rest the photo, opaque): a picture in a
// graded alpha under white pixels (seen on a dark page only), colours carrying a second photo
// evened out by the alpha to a first one on a white page (what a model that drops alpha sees),
// and the first photo on a white page with the second on a black one (docs/detection.md,
// "Transparent images").
import { lstat, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import { decodeImage, isPartlyTransparent, RejectedInputError } from '@advscreen/imaging';
import sharp from 'sharp';
import { describeMachine } from './machine.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { crafted: { type: 'string' }, limit: { type: 'string', default: '200' } },
});
if (positionals.length === 0 && !values.crafted) {
  console.error(
    'usage: npm run bench:transparency -- <folder of images with alpha> [more folders] [--crafted <folder of clean photos>] [--limit 200]',
  );
  process.exit(2);
}
const limits = loadConfig().decode;
const side = limits.analysisSize;

async function* filesUnder(dir: string, pattern: RegExp): AsyncGenerator<string> {
  for (const entry of (await readdir(dir)).sort()) {
    const file = path.join(dir, entry);
    const stats = await lstat(file);
    if (stats.isDirectory()) yield* filesUnder(file, pattern);
    else if (stats.isFile() && pattern.test(entry)) yield file;
  }
}

/** Share of the analysis image's pixels that are partly transparent: the earlier rule refused above 10%. */
async function partlyShare(bytes: Buffer): Promise<number> {
  const data = await sharp(bytes, { pages: 1 })
    .resize(side, side, { fit: 'fill', kernel: 'linear' })
    .ensureAlpha()
    .raw()
    .toBuffer();
  let partly = 0;
  for (let i = 3; i < data.length; i += 4) if (isPartlyTransparent(data[i] as number)) partly++;
  return partly / (side * side);
}

interface Tally {
  files: number;
  refused: number;
  refusedBefore: number;
}
const newTally = (): Tally => ({ files: 0, refused: 0, refusedBefore: 0 });

async function tallyInto(tally: Tally, bytes: Buffer): Promise<void> {
  tally.files++;
  if ((await partlyShare(bytes)) > 0.1) tally.refusedBefore++;
  try {
    await decodeImage(bytes, limits);
  } catch (error) {
    if (error instanceof RejectedInputError && error.reason === 'partly_transparent') tally.refused++;
  }
}

const percent = (n: number, of: number) => `${((100 * n) / Math.max(of, 1)).toFixed(1)}%`;
const report = (name: string, t: Tally) =>
  console.log(
    `${name.padEnd(44)} ${String(t.files).padStart(6)}   ${`${t.refused} (${percent(t.refused, t.files)})`.padStart(14)}   ${`${t.refusedBefore} (${percent(t.refusedBefore, t.files)})`.padStart(14)}`,
  );

console.log(`bench:transparency  analysis size ${side}`);
console.log(`machine             ${describeMachine()}`);
console.log(
  `${'set'.padEnd(44)} ${'files'.padStart(6)}   ${'refused now'.padStart(14)}   ${'before (>10%)'.padStart(14)}`,
);

for (const folder of positionals) {
  const tally = newTally();
  for await (const file of filesUnder(folder, /\.(png|webp)$/i)) {
    const bytes = await readFile(file);
    const metadata = await sharp(bytes)
      .metadata()
      .catch(() => null);
    if (!metadata?.hasAlpha || (metadata.width ?? 0) * (metadata.height ?? 0) > limits.maxPixels) continue;
    await tallyInto(tally, bytes);
  }
  report(folder, tally);
}

if (values.crafted) {
  const grey = async (file: string) =>
    new Uint8Array(await sharp(file).resize(side, side, { fit: 'fill' }).greyscale().raw().toBuffer());
  const photos: string[] = [];
  for await (const file of filesUnder(values.crafted, /\.png$/i)) photos.push(file);
  const chosen = photos.slice(0, Math.max(2, Number(values.limit)));
  /** Per kind, the RGBA of one pixel from the visible photo's grey x and the hidden one's y. */
  const kinds: Record<string, (x: number, y: number) => [number, number, number, number]> = {
    'dark page only': (x) => [255, 255, 255, x],
    'colour channels only': (x, y) => {
      const colour = y / 2;
      const shown = 128 + x / 2;
      return [colour, colour, colour, Math.round((255 * (255 - shown)) / (255 - colour))];
    },
    'white page / black page': (x, y) => {
      const onWhite = 128 + x / 2;
      const onBlack = y / 2;
      const alpha = Math.max(1e-3, 1 - (onWhite - onBlack) / 255);
      const colour = Math.min(255, onBlack / alpha);
      return [colour, colour, colour, Math.round(255 * alpha)];
    },
  };
  const tallies = new Map<string, Tally>();
  for (let i = 0; i < chosen.length; i++) {
    const visible = await grey(chosen[i] as string);
    const hidden = await grey(chosen[(i + 7) % chosen.length] as string);
    for (const [kind, pixelOf] of Object.entries(kinds)) {
      for (const region of ['whole image', 'left 40%']) {
        const rgba = Buffer.alloc(4 * side * side);
        for (let p = 0; p < side * side; p++) {
          const x = visible[p] as number;
          const opaque = region === 'left 40%' && p % side >= 0.4 * side;
          rgba.set(opaque ? [x, x, x, 255] : pixelOf(x, hidden[p] as number), 4 * p);
        }
        const png = await sharp(rgba, { raw: { width: side, height: side, channels: 4 } })
          .png()
          .toBuffer();
        const name = `crafted: ${kind}, ${region}`;
        const tally = tallies.get(name) ?? newTally();
        tallies.set(name, tally);
        await tallyInto(tally, png);
      }
    }
  }
  for (const [name, tally] of tallies) report(name, tally);
}
