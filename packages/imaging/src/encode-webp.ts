import sharp from 'sharp';

/** Writes an image (any format sharp reads) as a lossy WebP (libwebp's quality 0-100). For training and benchmarks. */
export function encodeLossyWebp(input: Uint8Array, options: { quality: number }): Promise<Buffer> {
  return sharp(input).removeAlpha().webp({ quality: options.quality }).toBuffer();
}
