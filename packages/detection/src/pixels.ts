import type { RgbImage } from '@advscreen/contracts';

/**
 * Luma as OpenCV's `cvtColor(RGB2GRAY)` computes it for 8-bit input: BT.601 weights with
 * 14-bit fixed-point rounding, so the baseline matches the article's Python bit for bit.
 */
export function toGray8(image: RgbImage): Uint8Array {
  const { data, width, height } = image;
  const gray = new Uint8Array(width * height);
  for (let i = 0, p = 0; i < gray.length; i++, p += 3) {
    gray[i] =
      ((data[p] as number) * 4899 + (data[p + 1] as number) * 9617 + (data[p + 2] as number) * 1868 + 8192) >>
      14;
  }
  return gray;
}

/** One plane of per-pixel values, row-major. */
export interface LumaPlane {
  width: number;
  height: number;
  data: Float64Array;
}

/** BT.601 luma (JFIF's Y) of the pixel at byte `p` of interleaved RGB, unrounded. */
const bt601 = (data: Uint8Array, p: number) =>
  0.299 * (data[p] as number) + 0.587 * (data[p + 1] as number) + 0.114 * (data[p + 2] as number);

/**
 * BT.601 luminance (JFIF's Y) per pixel, unrounded. A JPEG's DCT and luminance stripe features
 * both read it: computed once per image (jpegEvidence) and handed to each.
 */
export function luminance(image: RgbImage, into?: Float64Array): LumaPlane {
  const { data, width, height } = image;
  const luma = into ?? new Float64Array(width * height);
  for (let i = 0, p = 0; i < luma.length; i++, p += 3) {
    luma[i] = bt601(data, p);
  }
  return { width, height, data: luma };
}

/**
 * BT.601 luma per pixel, rounded to 8 bits: a colour image as the grey models see it, one plane.
 * The luminance model reads colour inputs through it (residual-scorer.ts), and its training files
 * are written through it (scripts/route-corpus.ts, `luma`), so both round alike.
 */
export function roundedLuma(image: RgbImage): Uint8Array {
  const { data, width, height } = image;
  const luma = new Uint8Array(width * height);
  for (let i = 0, p = 0; i < luma.length; i++, p += 3) {
    // (y + 0.5) | 0 is Math.round(y) for every 8-bit (R, G, B) (checked over all 2^24), and cheaper.
    luma[i] = (bt601(data, p) + 0.5) | 0;
  }
  return luma;
}

/**
 * A per-pixel plane reused from call to call (contents left as they were): the scorer's
 * working planes are 400 KB each at 224x224, and allocating them per image had V8 run a full
 * garbage collection every few dozen images. Only for planes that do not outlive the call.
 */
export function reusedPlane(): (length: number) => Float64Array {
  let buffer = new Float64Array(0);
  return (length) => {
    if (buffer.length < length) buffer = new Float64Array(length);
    return buffer.subarray(0, length);
  };
}

/** A rectangle of an interleaved RGB image, copied. */
export function cropRgb(
  image: RgbImage,
  { left, top, width, height }: { left: number; top: number; width: number; height: number },
): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = 3 * ((top + y) * image.width + left);
    data.set(image.data.subarray(from, from + 3 * width), 3 * y * width);
  }
  return { width, height, data };
}
