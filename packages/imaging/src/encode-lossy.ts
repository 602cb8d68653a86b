import sharp from 'sharp';

/** Writes an image (any format sharp reads) as a lossy WebP (libwebp's quality 0-100). For training and benchmarks. */
export function encodeLossyWebp(input: Uint8Array, options: { quality: number }): Promise<Buffer> {
  return sharp(input).removeAlpha().webp({ quality: options.quality }).toBuffer();
}

/**
 * Writes an image as AVIF (libaom through libheif; quality 1-100, effort 0-9, sharp's default 4).
 * For training and benchmarks: effort 4 takes about 0.8 s per 224 px file on one core here,
 * effort 2 about 60 ms.
 */
export function encodeAvif(
  input: Uint8Array,
  options: { quality: number; effort?: number },
): Promise<Buffer> {
  return sharp(input)
    .removeAlpha()
    .avif({ quality: options.quality, effort: options.effort ?? 4 })
    .toBuffer();
}
