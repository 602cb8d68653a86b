import sharp from 'sharp';
import { encodeJpeg, type JpegEncodeChroma } from './encode-jpeg.ts';

/** Writes an image (any format sharp reads) as a lossy WebP (libwebp's quality 0-100). For training and benchmarks. */
function encodeLossyWebp(input: Uint8Array, options: { quality: number }): Promise<Buffer> {
  return sharp(input).removeAlpha().webp({ quality: options.quality }).toBuffer();
}

/**
 * Writes an image as AVIF (libaom through libheif; quality 1-100, effort 0-9, sharp's default 4).
 * For training and benchmarks: effort 4 takes about 0.8 s per 224 px file on one core here,
 * effort 2 about 60 ms.
 */
function encodeAvif(input: Uint8Array, options: { quality: number; effort?: number }): Promise<Buffer> {
  return sharp(input)
    .removeAlpha()
    .avif({ quality: options.quality, effort: options.effort ?? 4 })
    .toBuffer();
}

/** The lossy formats training and benchmarks write. */
export const LOSSY_FORMATS = ['jpeg', 'webp', 'avif'] as const;
export type LossyFormat = (typeof LOSSY_FORMATS)[number];

export const isLossyFormat = (value: string): value is LossyFormat =>
  (LOSSY_FORMATS as readonly string[]).includes(value);

/**
 * Writes an image in one of the lossy formats: `chroma` for JPEG (default 4:2:0), `avifEffort`
 * for AVIF (default sharp's 4). For training and benchmarks.
 */
export function encodeLossy(
  input: Uint8Array,
  format: LossyFormat,
  options: { quality: number; chroma?: JpegEncodeChroma; avifEffort?: number },
): Promise<Buffer> {
  const { quality } = options;
  switch (format) {
    case 'jpeg':
      return encodeJpeg(input, { quality, chroma: options.chroma ?? '4:2:0' });
    case 'webp':
      return encodeLossyWebp(input, { quality });
    case 'avif':
      return encodeAvif(input, { quality, effort: options.avifEffort });
  }
}

/**
 * Palette encodings as the web writes them: GIF dithered (sharp's default: 256 colours, Floyd-
 * Steinberg) and undithered, and 8-bit palette PNG (libimagequant, as pngquant and image
 * optimisers write it). For training and benchmarks.
 */
export const PALETTE_ENCODINGS = ['gif', 'gif-undithered', 'png8'] as const;
export type PaletteEncoding = (typeof PALETTE_ENCODINGS)[number];

export const isPaletteEncoding = (value: string): value is PaletteEncoding =>
  (PALETTE_ENCODINGS as readonly string[]).includes(value);

export function encodePalette(input: Uint8Array, encoding: PaletteEncoding): Promise<Buffer> {
  const image = sharp(input).removeAlpha();
  switch (encoding) {
    case 'gif':
      return image.gif().toBuffer();
    case 'gif-undithered':
      return image.gif({ dither: 0 }).toBuffer();
    case 'png8':
      return image.png({ palette: true }).toBuffer();
  }
}
