import { readFile } from 'node:fs/promises';
import sharp from 'sharp';

/**
 * An agent's queries as far as the query history can tell: a photo saved as PNG again and again
 * with one more pixel changed by one level, so every file has other bytes and the same picture.
 */
export async function nearDuplicatePngs(photoPath: string, count: number): Promise<Buffer[]> {
  const { data, info } = await sharp(await readFile(photoPath))
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { width: info.width, height: info.height, channels: info.channels };
  const files: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const pixels = Buffer.from(data);
    pixels[i * info.channels] = (pixels[i * info.channels] as number) ^ 1;
    files.push(await sharp(pixels, { raw }).png().toBuffer());
  }
  return files;
}
