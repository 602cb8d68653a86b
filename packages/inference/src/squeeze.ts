import type { RgbImage } from '@advscreen/contracts';
import sharp from 'sharp';

/**
 * Feature squeezers (Xu, Evans and Qi, "Feature Squeezing", NDSS 2018): cheap transforms that
 * keep an image's content but remove the fine detail adversarial perturbations live in.
 */

/** Keeps `bits` bits per channel, rounding to the nearest level (Xu et al. use 5 bits for ImageNet). */
export function reduceBitDepth(image: RgbImage, bits: number): RgbImage {
  const levels = 2 ** bits - 1;
  const data = new Uint8Array(image.data.length);
  for (let i = 0; i < data.length; i++)
    data[i] = Math.round((Math.round(((image.data[i] as number) / 255) * levels) / levels) * 255);
  return { width: image.width, height: image.height, data };
}

/**
 * JPEG compression at `quality` and back (Das et al. 2017 used it as a defence; Xu et al. list it
 * among squeezers): it drops the high-frequency detail a perturbation adds, block by block.
 */
export async function jpegRoundTrip(image: RgbImage, quality: number): Promise<RgbImage> {
  const raw = { width: image.width, height: image.height, channels: 3 as const };
  const jpeg = await sharp(image.data, { raw }).jpeg({ quality }).toBuffer();
  const { data } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return {
    width: image.width,
    height: image.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  };
}

/**
 * 2x2 median filter per channel, as in the paper: the window covers the pixel, its right and
 * lower neighbours (edges replicated); the median of four values is the mean of the middle two.
 */
export function medianFilter2x2(image: RgbImage): RgbImage {
  const { width: w, height: h, data: source } = image;
  const data = new Uint8Array(source.length);
  for (let y = 0; y < h; y++) {
    const row = 3 * y * w;
    const below = 3 * Math.min(y + 1, h - 1) * w;
    for (let x = 0; x < w; x++) {
      const here = 3 * x;
      const right = 3 * Math.min(x + 1, w - 1);
      for (let c = 0; c < 3; c++) {
        const a = source[row + here + c] as number;
        const b = source[row + right + c] as number;
        const d = source[below + here + c] as number;
        const e = source[below + right + c] as number;
        // Median of four: the sum less the smallest and the largest, halved.
        const median = (a + b + d + e - Math.min(a, b, d, e) - Math.max(a, b, d, e)) / 2;
        data[row + here + c] = Math.round(median);
      }
    }
  }
  return { width: w, height: h, data };
}

/**
 * Where each row and each column of an image moved `dx` pixels right and `dy` down comes from,
 * the edge rows and columns repeated into the gap.
 */
function translationSources(width: number, height: number, dx: number, dy: number) {
  return {
    rows: Int32Array.from({ length: height }, (_, y) => Math.min(height - 1, Math.max(0, y - dy))),
    columns: Int32Array.from({ length: width }, (_, x) => Math.min(width - 1, Math.max(0, x - dx))),
  };
}

/**
 * The image moved `dx` pixels right and `dy` down, the edge rows and columns repeated into the
 * gap. Not a squeezer (it removes nothing): a CNN's answer on a photo barely moves when its
 * content moves a pixel or two, while an optimised perturbation is tuned to where it sits on the
 * network's stride grid (docs/inference.md, "The translated copy").
 */
export function translateImage(image: RgbImage, dx: number, dy: number): RgbImage {
  const { width, height, data: source } = image;
  const data = new Uint8Array(source.length);
  const { rows, columns } = translationSources(width, height, dx, dy);
  for (let y = 0, to = 0; y < height; y++) {
    const fromRow = (rows[y] as number) * width;
    for (let x = 0; x < width; x++, to += 3) {
      const from = 3 * (fromRow + (columns[x] as number));
      data[to] = source[from] as number;
      data[to + 1] = source[from + 1] as number;
      data[to + 2] = source[from + 2] as number;
    }
  }
  return { width, height, data };
}

/**
 * The adjoint of translateImage on a per-channel gradient: what each source pixel feeds is summed
 * back to it (the repeated edge pixels collect the gap's share). For attacks that take their loss
 * through the translated copy (`advscreen attack --through-shift`).
 */
export function translationAdjoint(
  gradient: Float32Array,
  width: number,
  height: number,
  dx: number,
  dy: number,
): Float32Array {
  const back = new Float32Array(gradient.length);
  const { rows, columns } = translationSources(width, height, dx, dy);
  for (let y = 0, to = 0; y < height; y++) {
    const fromRow = (rows[y] as number) * width;
    for (let x = 0; x < width; x++, to += 3) {
      const from = 3 * (fromRow + (columns[x] as number));
      back[from] = (back[from] as number) + (gradient[to] as number);
      back[from + 1] = (back[from + 1] as number) + (gradient[to + 1] as number);
      back[from + 2] = (back[from + 2] as number) + (gradient[to + 2] as number);
    }
  }
  return back;
}
