import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { REPO_ROOT } from './cli.ts';

const PHOTOS = path.join(REPO_ROOT, 'test/fixtures/photos');
const VARIANTS = {
  mirrored: (image: Sharp) => image.flop(),
  flipped: (image: Sharp) => image.flip(),
  rotated: (image: Sharp) => image.rotate(180),
} as const;

/**
 * A folder of clean images for calibration tests: each clean fixture photo as it is plus the
 * named geometric variants (same statistics, different pixels). Returns how many were written.
 */
export async function writeCleanImages(folder: string, variants: (keyof typeof VARIANTS)[]): Promise<number> {
  await mkdir(folder, { recursive: true });
  let written = 0;
  for (const name of (await readdir(PHOTOS)).filter((n) => /^[a-z]+_\d\.(png|jpg)$/.test(n))) {
    const bytes = await readFile(path.join(PHOTOS, name));
    const [stem, extension] = name.split('.') as [string, string];
    await writeFile(path.join(folder, name), bytes);
    for (const variant of variants) {
      await VARIANTS[variant](sharp(bytes)).toFile(path.join(folder, `${stem}-${variant}.${extension}`));
    }
    written += 1 + variants.length;
  }
  return written;
}
