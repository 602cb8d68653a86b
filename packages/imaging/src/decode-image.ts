import { isLossyCoded, type RgbImage, SCREENED_FORMATS, type ScreenedFormat } from '@advscreen/contracts';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { avifStoresRgb } from './avif-container.ts';
import {
  type JpegChroma,
  jpegChromaSubsampling,
  jpegLumaQuantTable,
  meanQuantStep,
} from './jpeg-quantisation.ts';
import { RejectedInputError } from './rejected-input.ts';
import { compositeOverWhite } from './transparency.ts';
import { webpCompression } from './webp-container.ts';

export interface DecodeLimits {
  maxBytes: number;
  /** Width x height before decoding; stops decompression bombs from allocating. */
  maxPixels: number;
  timeoutMs: number;
  /** Side of the square image the detector sees; the model's input size. */
  analysisSize: number;
  /**
   * The screened formats this deployment takes (`ADVSCREEN_ACCEPTED_FORMATS`); others are
   * refused as `format_not_accepted` before their pixels are decoded. Absent: all of them.
   */
  acceptedFormats?: readonly ScreenedFormat[];
}

export interface DecodedImage {
  /** Resized to analysis size x analysis size, sRGB, any transparency composited over white. */
  analysis: RgbImage;
  format: ScreenedFormat;
  width: number;
  height: number;
  /** JPEG inputs: mean step of the luminance quantisation table (see jpegLumaQuantStep); else null. */
  jpegQuantStep: number | null;
  /**
   * The analysis image is the file's own pixels: already analysis size, so not resized (perhaps
   * re-oriented: `orientation`).
   */
  ownPixels: boolean;
  /** The EXIF orientation (1-8) applied to the analysis image, as viewers and the model see it; 1: none. */
  orientation: number;
  /**
   * JPEG inputs analysed on their own pixels, so their 8x8 blocks are the encoder's: the
   * luminance table (see jpegLumaQuantTable). Else null.
   */
  jpegBlocks: { lumaTable: number[] } | null;
  /**
   * How a colour JPEG stores its chroma (jpegChromaSubsampling, from its frame header; sharp
   * reports 4:2:2 as 4:2:0): 4:2:0 (most encoders), 4:2:2 (many cameras), 4:4:4 (photo
   * editors' high-quality exports) or other. Null for other formats and greyscale JPEGs.
   */
  jpegChroma: JpegChroma | null;
  /** A WebP whose image is lossy (VP8), not lossless (VP8L): see webpCompression. */
  lossyWebp: boolean;
  /** An AVIF coded as RGB, as lossless AVIF is: see avifStoresRgb. */
  losslessAvif: boolean;
  /** Colours from a palette of at most 256 (GIF, 8-bit palette PNG), usually dithered. */
  palette: boolean;
  /**
   * Every analysis pixel is grey (its channels within 1 of each other: grayscale files, and
   * colour files of a grey image, whose encoders round chroma by at most that).
   */
  grey: boolean;
  /**
   * Share of the analysis image's neighbouring pixel pairs (across and down) that are identical
   * in every channel (flatShare): near 0 for photographs, whose sensor noise leaves few pixels
   * equal to a neighbour, most of a screenshot, diagram, chart or icon.
   */
  flatShare: number;
  /**
   * Lossless inputs framed by uniform bars (letterboxing, padding: rows and columns of one colour
   * at the edges): the part of the analysis image inside them, which the detector scores and
   * whose flat share routes it. Null: no bars, or a lossy input, whose coding noise leaves bars
   * uneven and whose 8x8 blocks a crop would move.
   */
  picture: PictureBox | null;
  /**
   * A thumbnail: a file smaller than the analysis size on both sides (and at least
   * MIN_SCORED_SIDE on each). The analysis image is its upscale, which smooths a perturbation
   * made on the file's pixels away from the detector's features (and not from the model, which
   * sees the same upscale): its own pixels, oriented, sRGB, over white, and for a JPEG its blocks
   * as `jpegBlocks` gives them for analysis-size files. Null for other files.
   */
  thumbnail: Thumbnail | null;
}

/** A thumbnail's own pixels (see DecodedImage.thumbnail). */
export interface Thumbnail {
  image: RgbImage;
  jpegBlocks: { lumaTable: number[] } | null;
}

/**
 * The smallest side the detector scores on its own: a picture inside bars below it is scored
 * with its bars, a thumbnail below it upscaled. Fewer pixels are too few for its statistics.
 */
const MIN_SCORED_SIDE = 32;

/** A rectangle of the analysis image, in pixels. */
export interface PictureBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * A JPEG's blocks in the image as shown. An orientation turns or mirrors the encoder's 8x8 blocks
 * with the image: still whole blocks on the grid when both sides are multiples of 8 (else none
 * is left), their coefficients transposed by the orientations that swap the axes (5-8), so the
 * table is transposed with them; mirroring only changes coefficients' signs.
 */
function orientedBlocks(
  lumaTable: number[],
  orientation: number,
  width: number,
  height: number,
): { lumaTable: number[] } | null {
  if (orientation === 1) return { lumaTable };
  if (width % 8 !== 0 || height % 8 !== 0) return null;
  if (orientation < 5) return { lumaTable };
  return { lumaTable: lumaTable.map((_, i) => lumaTable[(i % 8) * 8 + Math.floor(i / 8)] as number) };
}

/**
 * The screened formats' loaders, each with its file, buffer and source variants (unblocking a
 * class unblocks those below it): screening decodes buffers, and the process's other sharp calls
 * (scripts and tests reading PNG or JPEG files) need the file loaders of the same formats.
 */
const ALLOWED_LOADERS = [
  'VipsForeignLoadJpeg',
  'VipsForeignLoadPng',
  'VipsForeignLoadWebp',
  'VipsForeignLoadHeif',
  'VipsForeignLoadTiff',
  'VipsForeignLoadNsgif',
];

/**
 * Marks, in process.env, the process whose libvips is restricted. Worker threads start with a
 * copy of the environment, so a detector thread sees its process already restricted and does not
 * restrict again: blocking every loader and unblocking the allowed ones is process-wide, and in
 * between, a decode running on another thread fails ("buffer is not in a known format",
 * "operation is blocked"; in a research run, 58 of 5,854 decodes with it re-applied every
 * millisecond). That was the fleet's rare wrong rejection: each new detector thread re-applied it.
 */
const RESTRICTED_MARK = 'ADVSCREEN_VIPS_LOADERS_RESTRICTED';

/**
 * libvips picks a loader by sniffing bytes, so a file named .jpg may be SVG (which renders
 * external entities), PDF or a RAW format. Blocking every loader but the screened formats is
 * process-wide by libvips' design; doing it here keeps that decision next to the allow-list.
 * Returns whether it restricted now (false: this process already was).
 */
export function restrictLoaders(): boolean {
  if (process.env[RESTRICTED_MARK] === String(process.pid)) return false;
  sharp.block({ operation: ['VipsForeignLoad'] });
  sharp.unblock({ operation: ALLOWED_LOADERS });
  process.env[RESTRICTED_MARK] = String(process.pid);
  return true;
}

// At import, before this process decodes anything or starts a thread that does.
restrictLoaders();

function screenedFormatOf(metadata: Metadata): ScreenedFormat | null {
  if (metadata.format === 'heif') return metadata.compression === 'av1' ? 'avif' : null;
  return (SCREENED_FORMATS as readonly string[]).includes(metadata.format ?? '')
    ? (metadata.format as ScreenedFormat)
    : null;
}

/** Names what a refused file most likely is, so a rejection says "SVG" rather than "unknown". */
function sniffRefusedFormat(bytes: Buffer): string | null {
  const head = bytes.subarray(0, 512).toString('latin1').trimStart();
  if (head.startsWith('%PDF')) return 'PDF';
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*(<!DOCTYPE svg|<svg)/i.test(head)) return 'SVG';
  return null;
}

function classifyDecoderError(error: unknown, bytes: Buffer): RejectedInputError {
  const refused = sniffRefusedFormat(bytes);
  if (refused)
    return new RejectedInputError('unsupported_format', `${refused} files are not screened`, refused);
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) return new RejectedInputError('too_many_pixels', message);
  if (/unsupported image format/i.test(message)) return new RejectedInputError('not_an_image', message);
  if (/blocked|is not a known|not permitted/i.test(message))
    return new RejectedInputError('unsupported_format', message);
  if (/timeout/i.test(message)) return new RejectedInputError('decode_timeout', message);
  return new RejectedInputError('corrupt', message);
}

async function withDeadline<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new RejectedInputError('decode_timeout', `decoding took longer than ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Decodes untrusted bytes into the analysis image, or throws RejectedInputError with a reason
 * code. Truncated and malformed data fail (`failOn: 'error'`) rather than decode to grey.
 */
export async function decodeImage(bytes: Buffer, limits: DecodeLimits): Promise<DecodedImage> {
  if (bytes.length === 0) throw new RejectedInputError('empty', 'the file is empty');
  if (bytes.length > limits.maxBytes) {
    throw new RejectedInputError(
      'too_large',
      `${bytes.length} bytes is over the ${limits.maxBytes}-byte limit`,
    );
  }
  // The file's own samples, not colour-managed ones: an embedded profile other than sRGB (Display
  // P3 on phone photos) would otherwise be converted through, mixing the channels and moving every
  // pixel off the JPEG's block grid, which the detector reads as noise (clean JPEGs tagged P3
  // scored +0.5 at the median). A perturbation lives in the samples, and PIL and OpenCV, which
  // most models are trained and served with, ignore profiles too.
  const open = () =>
    sharp(bytes, {
      failOn: 'error',
      limitInputPixels: limits.maxPixels,
      pages: 1,
      autoOrient: true,
      ignoreIcc: true,
    }).timeout({ seconds: Math.max(1, Math.ceil(limits.timeoutMs / 1000)) });
  try {
    return await withDeadline(
      (async () => {
        const metadata = await open().metadata();
        const format = screenedFormatOf(metadata);
        if (!format) {
          throw new RejectedInputError(
            'unsupported_format',
            `${metadata.format ?? 'unknown'} images are not screened`,
          );
        }
        if (limits.acceptedFormats && !limits.acceptedFormats.includes(format)) {
          throw new RejectedInputError(
            'format_not_accepted',
            `${format} images are not accepted here (accepted: ${limits.acceptedFormats.join(', ')})`,
          );
        }
        const width = metadata.autoOrient?.width ?? metadata.width ?? 0;
        const height = metadata.autoOrient?.height ?? metadata.height ?? 0;
        const lumaTable = format === 'jpeg' ? jpegLumaQuantTable(bytes) : null;
        const ownPixels = width === limits.analysisSize && height === limits.analysisSize;
        const orientation = metadata.orientation ?? 1;
        const rgbOf = async (pipeline: Sharp): Promise<RgbImage> => {
          const srgb = pipeline.toColourspace('srgb');
          const { data, info } = await (metadata.hasAlpha ? srgb.ensureAlpha() : srgb.removeAlpha())
            .raw({ depth: 'uchar' })
            .toBuffer({ resolveWithObject: true });
          const pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
          if (info.channels !== (metadata.hasAlpha ? 4 : 3))
            throw new RejectedInputError('corrupt', `decoded to ${info.channels} channels`);
          const rgb = metadata.hasAlpha ? compositeOverWhite(pixels, info.width, info.height) : pixels;
          return { width: info.width, height: info.height, data: rgb };
        };
        const analysis = await rgbOf(
          open().resize(limits.analysisSize, limits.analysisSize, { fit: 'fill', kernel: 'linear' }),
        );
        const thumbnail: Thumbnail | null = isThumbnailSize(width, height, limits.analysisSize)
          ? {
              image: await rgbOf(open()),
              jpegBlocks: lumaTable ? orientedBlocks(lumaTable, orientation, width, height) : null,
            }
          : null;
        const lossyWebp = format === 'webp' && webpCompression(bytes) === 'lossy';
        const losslessAvif = format === 'avif' && avifStoresRgb(bytes);
        const picture = isLossyCoded({ format, lossyWebp, losslessAvif })
          ? null
          : pictureInsideBars(analysis);
        return {
          analysis,
          format,
          width,
          height,
          jpegQuantStep: lumaTable ? meanQuantStep(lumaTable) : null,
          ownPixels,
          orientation,
          jpegBlocks:
            lumaTable && ownPixels
              ? orientedBlocks(lumaTable, orientation, limits.analysisSize, limits.analysisSize)
              : null,
          jpegChroma: format === 'jpeg' ? jpegChromaSubsampling(bytes) : null,
          lossyWebp,
          losslessAvif,
          palette: metadata.isPalette === true,
          grey: isGrey(analysis.data),
          flatShare: flatShare(analysis, picture ?? undefined),
          picture,
          thumbnail,
        };
      })(),
      limits.timeoutMs,
    );
  } catch (error) {
    if (error instanceof RejectedInputError) throw error;
    throw classifyDecoderError(error, bytes);
  }
}

/** Whether the interleaved RGB pixels at byte offsets p and q are identical in all three channels. */
function samePixel(data: Uint8Array, p: number, q: number): boolean {
  return data[p] === data[q] && data[p + 1] === data[q + 1] && data[p + 2] === data[q + 2];
}

/**
 * Calls `visit` with the pixel indices (y * width + x) of each neighbouring pair (across, then
 * down) of an image, or of a rectangle of it, identical in all three channels.
 */
export function forEachIdenticalNeighbourPair(
  image: RgbImage,
  visit: (p: number, q: number) => void,
  box?: PictureBox,
): void {
  const { width, data } = image;
  const { left, top, width: w, height: h } = box ?? { left: 0, top: 0, width, height: image.height };
  const [right, bottom] = [left + w - 1, top + h - 1];
  for (let y = top; y <= bottom; y++) {
    for (let x = left, p = y * width + x; x <= right; x++, p++) {
      if (x < right && samePixel(data, 3 * p, 3 * p + 3)) visit(p, p + 1);
      if (y < bottom && samePixel(data, 3 * p, 3 * (p + width))) visit(p, p + width);
    }
  }
}

/**
 * Share of the neighbouring pixel pairs (across and down) of an image, or of a rectangle of it,
 * identical in all three channels; 0 for a single pixel.
 */
export function flatShare(image: RgbImage, box?: PictureBox): number {
  const { width: w, height: h } = box ?? image;
  let flat = 0;
  forEachIdenticalNeighbourPair(image, () => flat++, box);
  const pairs = (w - 1) * h + w * (h - 1);
  return pairs > 0 ? flat / pairs : 0;
}

/**
 * The picture inside an image's uniform edge bars: rows, then columns, of one colour at its
 * edges (letterboxing, pillarboxing, padding). Scored whole, such bars are half of a padded
 * photograph's pixel pairs: they made it look like a graphic and diluted a perturbation on the
 * picture. Null when there are none, or when what is left would be under MIN_SCORED_SIDE.
 */
export function pictureInsideBars(image: RgbImage): PictureBox | null {
  const { width, height, data } = image;
  const rowUniform = (y: number) => {
    for (let x = 1; x < width; x++) if (!samePixel(data, 3 * y * width, 3 * (y * width + x))) return false;
    return true;
  };
  let [top, bottom] = [0, height - 1];
  while (top <= bottom && rowUniform(top)) top++;
  if (top > bottom) return null;
  while (rowUniform(bottom)) bottom--;
  const columnUniform = (x: number) => {
    for (let y = top + 1; y <= bottom; y++)
      if (!samePixel(data, 3 * (top * width + x), 3 * (y * width + x))) return false;
    return true;
  };
  let [left, right] = [0, width - 1];
  while (left <= right && columnUniform(left)) left++;
  if (left > right) return null;
  while (columnUniform(right)) right--;
  const box = { left, top, width: right - left + 1, height: bottom - top + 1 };
  if (box.width === width && box.height === height) return null;
  return box.width >= MIN_SCORED_SIDE && box.height >= MIN_SCORED_SIDE ? box : null;
}

/** Whether a file of this size is a thumbnail (see DecodedImage.thumbnail). */
function isThumbnailSize(width: number, height: number, analysisSize: number): boolean {
  return width < analysisSize && height < analysisSize && Math.min(width, height) >= MIN_SCORED_SIDE;
}

/** Whether every pixel of interleaved RGB has its channels within 1 of each other. */
function isGrey(rgb: Uint8Array): boolean {
  for (let i = 0; i < rgb.length; i += 3) {
    const r = rgb[i] as number;
    const g = rgb[i + 1] as number;
    const b = rgb[i + 2] as number;
    if (Math.max(r, g, b) - Math.min(r, g, b) > 1) return false;
  }
  return true;
}
