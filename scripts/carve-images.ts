// node scripts/carve-images.ts --out DIR [--min-side 300] <bundle> [more bundles]
// Carves the WebP and JPEG images out of resource bundles that store them whole (Qt .rcc files,
// as gcompris-qt-data ships its photos), keeping those that decode and are at least --min-side
// pixels on both sides: more clean photos to measure on (docs/detection.md, "On 141 more photos").
// Written as <bundle name>_<nnn>.webp and <bundle name>_j<nnn>.jpg, nnn counting matches in the
// bundle. A JPEG runs from its start marker to the first end marker after it.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { out: { type: 'string' }, 'min-side': { type: 'string', default: '300' } },
});
if (!values.out || positionals.length === 0) {
  console.error('usage: node scripts/carve-images.ts --out DIR [--min-side 300] <bundle> [more bundles]');
  process.exit(2);
}
const minSide = Number(values['min-side']);

const RIFF = Buffer.from('RIFF');
const WEBP = Buffer.from('WEBP');
const JPEG_START = Buffer.from([0xff, 0xd8, 0xff]);
const JPEG_END = Buffer.from([0xff, 0xd9]);

function* webpImages(bundle: Buffer): Generator<Buffer> {
  for (let at = bundle.indexOf(RIFF); at >= 0; ) {
    if (bundle.subarray(at + 8, at + 12).equals(WEBP)) {
      yield bundle.subarray(at, at + 8 + bundle.readUInt32LE(at + 4));
      at = bundle.indexOf(RIFF, at + 12);
    } else {
      at = bundle.indexOf(RIFF, at + 1);
    }
  }
}

function* jpegImages(bundle: Buffer): Generator<Buffer> {
  for (let at = bundle.indexOf(JPEG_START); at >= 0; at = bundle.indexOf(JPEG_START, at + 3)) {
    const end = bundle.indexOf(JPEG_END, at);
    if (end < 0) return;
    yield bundle.subarray(at, end + 2);
  }
}

async function isLargeImage(image: Buffer): Promise<boolean> {
  try {
    const { width = 0, height = 0 } = await sharp(image).metadata();
    return width >= minSide && height >= minSide;
  } catch {
    return false;
  }
}

await mkdir(values.out, { recursive: true });
let kept = 0;
for (const path of positionals) {
  const bundle = await readFile(path);
  const name = basename(path, extname(path));
  const found = [
    ...[...webpImages(bundle)].map((image, i) => ({
      image,
      file: `${name}_${String(i).padStart(3, '0')}.webp`,
    })),
    ...[...jpegImages(bundle)].map((image, i) => ({
      image,
      file: `${name}_j${String(i).padStart(3, '0')}.jpg`,
    })),
  ];
  for (const { image, file } of found) {
    if (!(await isLargeImage(image))) continue;
    await writeFile(join(values.out, file), image);
    kept++;
  }
}
console.log(`${kept} images of at least ${minSide} px a side in ${values.out}`);
