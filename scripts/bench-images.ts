import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { RgbImage } from '@advscreen/contracts';
import { decodeImage } from '@advscreen/imaging';

/**
 * `count` images at the model's size for the model benches: the dev corpus's clean files when
 * it sits beside the repo, else the test fixtures, repeated as needed.
 */
export async function loadBenchImages(count: number, size: number): Promise<RgbImage[]> {
  const devClean = path.resolve(import.meta.dirname, '../../shared/corpus/dev/clean');
  const folder = existsSync(devClean)
    ? devClean
    : path.resolve(import.meta.dirname, '../test/fixtures/photos');
  const files = readdirSync(folder).filter((name) => /\.(png|jpg)$/.test(name));
  const images: RgbImage[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = readFileSync(path.join(folder, files[i % files.length] as string));
    const limits = { maxBytes: 5e7, maxPixels: 1e8, timeoutMs: 1e4, analysisSize: size };
    images.push((await decodeImage(bytes, limits)).analysis);
  }
  return images;
}
