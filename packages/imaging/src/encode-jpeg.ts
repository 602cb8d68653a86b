import { spawn } from 'node:child_process';
import sharp from 'sharp';
import { headerSegments } from './jpeg-quantisation.ts';

/** Chroma subsampling a JPEG can be written with here. */
export const JPEG_ENCODE_CHROMAS = ['4:2:0', '4:4:4', '4:2:2'] as const;
export type JpegEncodeChroma = (typeof JPEG_ENCODE_CHROMAS)[number];

export const isJpegEncodeChroma = (value: string): value is JpegEncodeChroma =>
  (JPEG_ENCODE_CHROMAS as readonly string[]).includes(value);

/**
 * Writes an image (any format sharp reads) as a baseline JPEG. sharp (libvips) writes 4:2:0 and
 * 4:4:4 only; 4:2:2, which many cameras write, comes from libjpeg-turbo's `cjpeg` (Debian:
 * libjpeg-turbo-progs), the same IJG quality scaling and islow DCT. For training and
 * benchmarks, not the screening path.
 */
export async function encodeJpeg(
  input: Uint8Array,
  options: { quality: number; chroma: JpegEncodeChroma },
): Promise<Buffer> {
  if (options.chroma !== '4:2:2')
    return sharp(input).jpeg({ quality: options.quality, chromaSubsampling: options.chroma }).toBuffer();
  const { data, info } = await sharp(input)
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const ppm = Buffer.concat([Buffer.from(`P6\n${info.width} ${info.height}\n255\n`), data]);
  return runCjpeg(['-quality', String(options.quality), '-sample', '2x1', '-dct', 'int'], ppm);
}

function runCjpeg(args: string[], input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('cjpeg', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new Error(
              "JPEG 4:2:2 needs libjpeg-turbo's cjpeg on PATH (Debian: apt-get install libjpeg-turbo-progs)",
            )
          : error,
      ),
    );
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out))
        : reject(new Error(`cjpeg exited ${code}: ${Buffer.concat(err).toString().trim()}`)),
    );
    child.stdin.on('error', () => {}); // a failed start is reported by 'error' above
    child.stdin.end(input);
  });
}

/**
 * The JPEG with an EXIF orientation tag (1-8) spliced in after its start marker, its data
 * untouched: what a tool that only edits metadata writes. The segment is taken from a JPEG
 * sharp writes. For tests and benchmarks, not the screening path.
 */
export async function tagJpegOrientation(jpeg: Buffer, orientation: number): Promise<Buffer> {
  const carrier = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
    .withMetadata({ orientation })
    .jpeg()
    .toBuffer();
  for (const { marker, payload, end } of headerSegments(carrier)) {
    // The segment from its marker (4 bytes before the payload) to its end.
    if (marker === 0xe1)
      return Buffer.concat([jpeg.subarray(0, 2), carrier.subarray(payload - 4, end), jpeg.subarray(2)]);
  }
  throw new Error('sharp wrote no EXIF segment');
}
