import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, flatShare, restrictLoaders } from './decode-image.ts';
import { encodeJpeg } from './encode-jpeg.ts';
import { encodeLossy, encodePalette, LOSSY_FORMATS, PALETTE_ENCODINGS } from './encode-lossy.ts';
import { RejectedInputError } from './rejected-input.ts';

const limits = { maxBytes: 2_000_000, maxPixels: 4_000_000, timeoutMs: 5_000, analysisSize: 32 };

async function photoLike(
  format: 'png' | 'jpeg' | 'webp' | 'avif' | 'tiff' | 'gif',
  width = 40,
  height = 30,
): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7) % 251;
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .toFormat(format)
    .toBuffer();
}

async function reasonOf(bytes: Buffer, overrides: Partial<typeof limits> = {}): Promise<string> {
  const error = await decodeImage(bytes, { ...limits, ...overrides }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RejectedInputError);
  return (error as RejectedInputError).reason;
}

describe('decodeImage', () => {
  it.each(['png', 'jpeg', 'webp', 'avif', 'tiff', 'gif'] as const)(
    'decodes %s to an RGB analysis image',
    async (format) => {
      const decoded = await decodeImage(await photoLike(format), limits);
      expect(decoded.format).toBe(format);
      expect([decoded.width, decoded.height]).toEqual([40, 30]);
      expect(decoded.analysis.width).toBe(32);
      expect(decoded.analysis.data.length).toBe(32 * 32 * 3);
    },
  );

  it('says whether every analysis pixel is grey: grayscale files and colour files of a grey image', async () => {
    const colour = await photoLike('png', 32, 32);
    const grey = sharp(colour).grayscale();
    expect((await decodeImage(colour, limits)).grey).toBe(false);
    expect((await decodeImage(await photoLike('jpeg', 32, 32), limits)).grey).toBe(false);
    for (const bytes of [
      await grey.clone().png().toBuffer(),
      await grey.clone().jpeg({ quality: 90 }).toBuffer(),
      await grey.clone().toColourspace('srgb').jpeg({ quality: 90 }).toBuffer(),
      await grey.clone().toColourspace('srgb').webp({ quality: 90 }).toBuffer(),
    ])
      expect((await decodeImage(bytes, limits)).grey).toBe(true);
    // One coloured pixel is enough to make it a colour image.
    const levels = await grey.clone().extractChannel(0).raw().toBuffer();
    const tinted = Buffer.from(Array.from(levels).flatMap((v) => [v, v, v]));
    tinted[0] = ((tinted[0] as number) + 2) % 256;
    const tintedPng = await sharp(tinted, { raw: { width: 32, height: 32, channels: 3 } })
      .png()
      .toBuffer();
    expect((await decodeImage(tintedPng, limits)).grey).toBe(false);
  });

  it('measures the share of neighbouring pixel pairs that are identical', async () => {
    // 3x2, rows a a b and b b a: one equal pair across in each row, none down: 2 of the 7 pairs.
    const a = [9, 9, 9];
    const b = [9, 9, 8];
    const image = { width: 3, height: 2, data: Uint8Array.from([...a, ...a, ...b, ...b, ...b, ...a]) };
    expect(flatShare(image)).toBeCloseTo(2 / 7, 12);
    expect(flatShare({ width: 1, height: 1, data: Uint8Array.from(a) })).toBe(0);
    // One colour per row (a gradient down): measured whole, every pair across equal, none down.
    const rows = { width: 4, height: 3, data: Uint8Array.from([0, 1, 2].flatMap((y) => Array(12).fill(y))) };
    expect(flatShare(rows)).toBeCloseTo(9 / 17, 12);
    const flat = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#2060a0' } })
      .png()
      .toBuffer();
    expect((await decodeImage(flat, limits)).flatShare).toBe(1);
    expect((await decodeImage(await photoLike('png', 32, 32), limits)).flatShare).toBeLessThan(0.05);
  });

  it('finds the picture inside uniform edge bars of a lossless file, and measures its flat share there', async () => {
    const at64 = { ...limits, analysisSize: 64 };
    for (const background of ['#000000', '#ffffff']) {
      const boxed = await sharp(await photoLike('png', 64, 32))
        .extend({ top: 16, bottom: 16, left: 0, right: 0, background })
        .png()
        .toBuffer();
      const pillared = await sharp(await photoLike('png', 40, 64))
        .extend({ top: 0, bottom: 0, left: 12, right: 12, background })
        .png()
        .toBuffer();
      const letterboxed = await decodeImage(boxed, at64);
      expect(letterboxed.picture).toEqual({ left: 0, top: 16, width: 64, height: 32 });
      expect(letterboxed.flatShare).toBeLessThan(0.05);
      const pillarboxed = await decodeImage(pillared, at64);
      expect(pillarboxed.picture).toEqual({ left: 12, top: 0, width: 40, height: 64 });
      expect(pillarboxed.flatShare).toBeLessThan(0.05);
      // Lossy files keep their whole image: coding noise leaves bars uneven, and a crop would move the 8x8 blocks.
      const jpeg = await decodeImage(await sharp(boxed).jpeg({ quality: 95 }).toBuffer(), at64);
      expect(jpeg.picture).toBeNull();
    }
    // A picture under 32 px between the bars is not cut out.
    const thin = await sharp(await photoLike('png', 64, 20))
      .extend({ top: 22, bottom: 22, left: 0, right: 0, background: '#000000' })
      .png()
      .toBuffer();
    expect((await decodeImage(thin, at64)).picture).toBeNull();
    // Bars on a flat picture: every row is of one colour, so there is nothing to cut out.
    const flatInside = await sharp({ create: { width: 64, height: 32, channels: 3, background: '#2060a0' } })
      .extend({ top: 16, bottom: 16, left: 0, right: 0, background: '#000000' })
      .png()
      .toBuffer();
    const flat = await decodeImage(flatInside, at64);
    expect([flat.picture, flat.flatShare > 0.95]).toEqual([null, true]);
  });

  it('says whether a WebP is lossy, and no other format is', async () => {
    const png = await photoLike('png', 32, 32);
    const lossy = await decodeImage(await sharp(png).webp({ quality: 80 }).toBuffer(), limits);
    const lossless = await decodeImage(await sharp(png).webp({ lossless: true }).toBuffer(), limits);
    expect([lossy.format, lossy.lossyWebp]).toEqual(['webp', true]);
    expect([lossless.format, lossless.lossyWebp]).toEqual(['webp', false]);
    expect((await decodeImage(await photoLike('jpeg', 32, 32), limits)).lossyWebp).toBe(false);
  });

  it('says whether the colours come from a palette: GIF, palette PNG, and no RGB PNG or JPEG', async () => {
    const png = await photoLike('png', 32, 32);
    for (const encoding of PALETTE_ENCODINGS)
      expect((await decodeImage(await encodePalette(png, encoding), limits)).palette, encoding).toBe(true);
    expect((await decodeImage(png, limits)).palette).toBe(false);
    expect((await decodeImage(await photoLike('jpeg', 32, 32), limits)).palette).toBe(false);
  });

  it('says whether an AVIF is coded as RGB (lossless), and no other format is', async () => {
    const png = await photoLike('png', 32, 32);
    const lossless = await decodeImage(
      await sharp(png).avif({ lossless: true, effort: 0 }).toBuffer(),
      limits,
    );
    const lossy = await decodeImage(await sharp(png).avif({ quality: 60, effort: 0 }).toBuffer(), limits);
    expect([lossless.format, lossless.losslessAvif]).toEqual(['avif', true]);
    expect([lossy.format, lossy.losslessAvif]).toEqual(['avif', false]);
    expect(lossless.analysis.data).toEqual((await decodeImage(png, limits)).analysis.data);
    expect((await decodeImage(png, limits)).losslessAvif).toBe(false);
  });

  it('keeps pixels exact when the image is already at analysis size', async () => {
    const png = await photoLike('png', 32, 32);
    const decoded = await decodeImage(png, limits);
    const raw = await sharp(png).raw().toBuffer();
    expect(Buffer.from(decoded.analysis.data).equals(raw)).toBe(true);
  });

  it("gives a JPEG's quantisation table only when analysis keeps the encoder's 8x8 blocks", async () => {
    const native = await decodeImage(await photoLike('jpeg', 32, 32), limits);
    expect(native.analysis.data).toEqual(
      new Uint8Array(
        await sharp(await photoLike('jpeg', 32, 32))
          .raw()
          .toBuffer(),
      ),
    );
    expect(native.ownPixels).toBe(true);
    expect(native.jpegBlocks?.lumaTable).toHaveLength(64);
    expect(await decodeImage(await photoLike('jpeg', 40, 30), limits)).toMatchObject({
      ownPixels: false,
      jpegBlocks: null,
    });
    const reoriented = await sharp(await photoLike('jpeg', 32, 32))
      .withMetadata({ orientation: 8 })
      .jpeg()
      .toBuffer();
    // Re-oriented at the analysis size: still its own pixels, shown turned, its blocks turned with them.
    const turned = await decodeImage(reoriented, limits);
    expect(turned).toMatchObject({ ownPixels: true, orientation: 8 });
    expect(turned.jpegBlocks?.lumaTable).toHaveLength(64);
    expect((await decodeImage(await photoLike('png', 32, 32), limits)).jpegBlocks).toBeNull();
  });

  it("keeps a thumbnail's own pixels beside its upscale, and a JPEG thumbnail's blocks", async () => {
    const thumbLimits = { ...limits, analysisSize: 96 };
    const png = await photoLike('png', 48, 40);
    const decoded = await decodeImage(png, thumbLimits);
    expect(decoded.analysis.width).toBe(96);
    expect(decoded.ownPixels).toBe(false);
    expect(decoded.thumbnail?.image).toMatchObject({ width: 48, height: 40 });
    expect(Buffer.from(decoded.thumbnail?.image.data ?? []).equals(await sharp(png).raw().toBuffer())).toBe(
      true,
    );
    expect(decoded.thumbnail?.jpegBlocks).toBeNull();

    const jpeg = await decodeImage(await photoLike('jpeg', 48, 40), thumbLimits);
    expect(jpeg.jpegBlocks).toBeNull();
    expect(jpeg.thumbnail?.jpegBlocks?.lumaTable).toHaveLength(64);
    // Turned, the blocks stay on the grid only when both sides are multiples of 8.
    const turned = async (width: number, height: number) =>
      decodeImage(
        await sharp(await photoLike('jpeg', width, height))
          .withMetadata({ orientation: 6 })
          .jpeg()
          .toBuffer(),
        thumbLimits,
      );
    expect((await turned(48, 40)).thumbnail).toMatchObject({ image: { width: 40, height: 48 } });
    expect((await turned(48, 40)).thumbnail?.jpegBlocks?.lumaTable).toHaveLength(64);
    expect((await turned(48, 42)).thumbnail?.jpegBlocks).toBeNull();

    // Not thumbnails: at or over the analysis size on a side, or under 32 px on one.
    for (const [width, height] of [
      [96, 96],
      [120, 40],
      [48, 24],
    ] as const)
      expect((await decodeImage(await photoLike('png', width, height), thumbLimits)).thumbnail).toBeNull();
  });

  it("analyses a file's own samples, not its colours converted through an embedded profile", async () => {
    // A Display P3 profile, as phone photos carry, spliced into a JPEG without re-encoding it.
    const tagged = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
      .withIccProfile('p3')
      .jpeg()
      .toBuffer();
    const profile = (await sharp(tagged).metadata()).icc as Buffer;
    const segment = Buffer.concat([Buffer.from('ICC_PROFILE\0\x01\x01', 'latin1'), profile]);
    const marker = Buffer.from([0xff, 0xe2, (segment.length + 2) >> 8, (segment.length + 2) & 0xff]);
    const plain = await photoLike('jpeg', 32, 32);
    const withProfile = Buffer.concat([plain.subarray(0, 2), marker, segment, plain.subarray(2)]);
    expect((await sharp(withProfile).metadata()).icc?.length).toBe(profile.length);
    // Colour-managed, the profile moves these pixels by tens of levels.
    const managed = await sharp(withProfile).toColourspace('srgb').raw().toBuffer();
    expect(managed.equals(await sharp(plain).raw().toBuffer())).toBe(false);
    const decoded = await decodeImage(withProfile, limits);
    expect(decoded.analysis.data).toEqual((await decodeImage(plain, limits)).analysis.data);
    expect(decoded.jpegBlocks?.lumaTable).toHaveLength(64);
  });

  it("says how a JPEG stores its chroma, from the file's sampling factors", async () => {
    const raw = await sharp(await photoLike('png', 32, 32)).toBuffer();
    const as = async (chroma: '4:2:0' | '4:4:4' | '4:2:2') =>
      (await decodeImage(await encodeJpeg(raw, { quality: 90, chroma }), limits)).jpegChroma;
    expect(await as('4:4:4')).toBe('4:4:4');
    expect(await as('4:2:0')).toBe('4:2:0');
    // sharp's own metadata calls this 4:2:0.
    expect(await as('4:2:2')).toBe('4:2:2');
    expect((await decodeImage(raw, limits)).jpegChroma).toBeNull();
  });

  it.each(LOSSY_FORMATS)('reads back what encodeLossy wrote as %s', async (format) => {
    const raw = await photoLike('png', 32, 32);
    const decoded = await decodeImage(
      await encodeLossy(raw, format, { quality: 60, chroma: '4:4:4' }),
      limits,
    );
    expect(decoded.format).toBe(format);
    expect(decoded.jpegChroma).toBe(format === 'jpeg' ? '4:4:4' : null);
  });

  it('applies the EXIF orientation before analysis', async () => {
    const rotated = await sharp(await photoLike('jpeg', 40, 30))
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const decoded = await decodeImage(rotated, limits);
    expect([decoded.width, decoded.height]).toEqual([30, 40]);
    expect(decoded.orientation).toBe(6);
  });

  describe('transparency', () => {
    const side = limits.analysisSize;
    /** A PNG at analysis size from per-pixel RGBA. */
    const rgbaPng = (
      pixel: (x: number, y: number) => [number, number, number, number],
      side = limits.analysisSize,
    ) => {
      const data = Buffer.alloc(side * side * 4);
      for (let y = 0; y < side; y++) for (let x = 0; x < side; x++) data.set(pixel(x, y), 4 * (y * side + x));
      return sharp(data, { raw: { width: side, height: side, channels: 4 } })
        .png()
        .toBuffer();
    };
    const colour = (x: number, y: number): [number, number, number] => [
      (x * 7) % 256,
      (y * 5) % 256,
      (x * y) % 256,
    ];

    it('scores an opaque image with an alpha channel exactly as without it', async () => {
      const withAlpha = await decodeImage(await rgbaPng((x, y) => [...colour(x, y), 255]), limits);
      const rgb = Buffer.alloc(side * side * 3);
      for (let i = 0; i < side * side; i++) rgb.set(colour(i % side, Math.floor(i / side)), 3 * i);
      const without = await decodeImage(
        await sharp(rgb, { raw: { width: side, height: side, channels: 3 } })
          .png()
          .toBuffer(),
        limits,
      );
      expect(Buffer.from(withAlpha.analysis.data).equals(Buffer.from(without.analysis.data))).toBe(true);
    });

    it('shows the model what a page shows: not the colours hidden under transparent pixels', async () => {
      // A cut-out: the left half opaque, the right half transparent with a picture in its colour channels.
      const decoded = await decodeImage(
        await rgbaPng((x, y) => (x < side / 2 ? [10, 20, 30, 255] : [...colour(x, y), 0])),
        limits,
      );
      const { data } = decoded.analysis;
      expect([...data.subarray(0, 3)]).toEqual([10, 20, 30]);
      expect([...data.subarray(3 * (side - 1), 3 * side)]).toEqual([255, 255, 255]);
    });

    it('refuses an image whose picture depends on the background it is drawn on', async () => {
      // White pixels, the picture in a graded alpha: seen on a dark page, invisible on a white one.
      const hidden = await rgbaPng((x, y) => [255, 255, 255, 40 + ((x * 11 + y * 3) % 180)]);
      expect(await reasonOf(hidden)).toBe('partly_transparent');
      // A cut-out with an anti-aliased edge (a disc fading out over a pixel) is an ordinary image.
      const disc = await rgbaPng((x, y) => {
        const r = Math.hypot(x - side / 2, y - side / 2);
        return [...colour(x, y), Math.round(255 * Math.min(1, Math.max(0, 12 - r)))];
      });
      expect((await decodeImage(disc, limits)).analysis.data.length).toBe(side * side * 3);
    });

    // The rule reads 32-pixel tiles: these images are at the usual analysis size.
    const usual = { ...limits, analysisSize: 224 };
    /** 8-pixel checks: a picture with edges, hidden in the left 40% of an opaque photo-like image. */
    const checks = (x: number, y: number) => (((x >> 3) + (y >> 3)) % 2 ? 200 : 40);
    const hiddenInLeft = (hide: (x: number, y: number) => [number, number, number, number]) =>
      rgbaPng(
        (x, y) => (x < 0.4 * usual.analysisSize ? hide(x, y) : [...colour(x, y), 255]),
        usual.analysisSize,
      );

    it('refuses a picture hidden in part of the image for a dark page or for a model that drops alpha', async () => {
      // White pixels whose alpha draws the checks: on a dark page only.
      const forDarkPages = await decodeImage(
        await hiddenInLeft((x, y) => [255, 255, 255, checks(x, y)]),
        usual,
      )
        .then(() => null)
        .catch((error: RejectedInputError) => error);
      expect(forDarkPages).toMatchObject({ reason: 'partly_transparent' });
      expect(forDarkPages?.message).toMatch(
        /a dark page or the colour channels alone show shapes a white page does not/,
      );
      // Colours carry the checks and the alpha evens them out to one grey on a white page
      // (alpha = (255 - 200) / (255 - colour)): flat to people, checks to a model reading RGB.
      const forColourReaders = await hiddenInLeft((x, y) => {
        const c = checks(x, y) / 2;
        return [c, c, c, Math.round((255 * 55) / (255 - c))];
      });
      await expect(decodeImage(forColourReaders, usual)).rejects.toMatchObject({
        reason: 'partly_transparent',
      });
    });

    it('keeps honest translucency: a see-through part shows the same shapes on any page', async () => {
      // A third of the image is a translucent blue pane with dark bars across it, like a wing or
      // a glass: lighter on a white page, darker on a black one, the same shapes on both.
      const size = usual.analysisSize;
      const pane = await rgbaPng(
        (x, y) =>
          x < size / 3 ? (y % 32 < 4 ? [20, 20, 60, 230] : [60, 90, 200, 110]) : [...colour(x, y), 255],
        size,
      );
      expect((await decodeImage(pane, usual)).analysis.data.length).toBe(size * size * 3);
    });
  });

  it('analyses the picture people see, not what a sampling downscaler reads (image-scaling attacks)', async () => {
    // Xiao et al. 2019, Quiring et al. 2020: a large image whose pixels at a naive bilinear
    // sampler's taps (here 2x2 of every 4x4 block) carry another picture: a smooth gradient to
    // people, solid blue to a model fed by such a downscaler. libvips shrinks by averaging
    // whole blocks, so the taps weigh a quarter.
    const small = limits.analysisSize;
    const k = 4;
    const big = small * k;
    const pixels = Buffer.alloc(big * big * 3);
    for (let y = 0; y < big; y++)
      for (let x = 0; x < big; x++) {
        const tap = x % k >= 1 && x % k <= 2 && y % k >= 1 && y % k <= 2;
        pixels.set(
          tap ? [0, 0, 255] : [Math.floor((255 * x) / big), Math.floor((255 * y) / big), 128],
          3 * (y * big + x),
        );
      }
    const { analysis } = await decodeImage(
      await sharp(pixels, { raw: { width: big, height: big, channels: 3 } })
        .png()
        .toBuffer(),
      limits,
    );
    let toBlue = 0;
    let toGradient = 0;
    for (let i = 0; i < small * small; i++) {
      const [r, g, b] = analysis.data.subarray(3 * i, 3 * i + 3);
      const [x, y] = [(i % small) * k + 1.5, Math.floor(i / small) * k + 1.5];
      toBlue += Math.abs(r as number) + Math.abs(g as number) + Math.abs((b as number) - 255);
      toGradient +=
        Math.abs((r as number) - (255 * x) / big) +
        Math.abs((g as number) - (255 * y) / big) +
        Math.abs((b as number) - 128);
    }
    // A quarter of the way from the gradient to blue: far nearer the gradient.
    expect(toGradient).toBeLessThan(0.4 * toBlue);
  });

  it('rejects an empty file', async () => expect(await reasonOf(Buffer.alloc(0))).toBe('empty'));

  it('rejects a file over the byte limit before decoding', async () => {
    expect(await reasonOf(await photoLike('png'), { maxBytes: 100 })).toBe('too_large');
  });

  it('rejects a decompression bomb by its declared pixel count', async () => {
    const bomb = await sharp({ create: { width: 5000, height: 5000, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    expect(bomb.length).toBeLessThan(200_000);
    expect(await reasonOf(bomb, { maxPixels: 1_000_000 })).toBe('too_many_pixels');
  });

  it('rejects truncated PNG and JPEG data instead of decoding grey', async () => {
    const png = await photoLike('png', 200, 200);
    const jpeg = await photoLike('jpeg', 200, 200);
    expect(await reasonOf(png.subarray(0, png.length / 2))).toBe('corrupt');
    expect(await reasonOf(jpeg.subarray(0, jpeg.length / 2))).toBe('corrupt');
  });

  it('rejects text as not an image', async () =>
    expect(await reasonOf(Buffer.from('hello'))).toBe('not_an_image'));

  it('refuses SVG, which libvips would otherwise render', async () => {
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>',
    );
    expect(await reasonOf(svg)).toBe('unsupported_format');
  });

  it('refuses screenable formats the deployment does not accept, before decoding their pixels', async () => {
    const onlyJpegAndPng = { ...limits, acceptedFormats: ['jpeg', 'png'] as const };
    expect((await decodeImage(await photoLike('png'), onlyJpegAndPng)).format).toBe('png');
    for (const format of ['webp', 'avif', 'gif'] as const) {
      const error = await decodeImage(await photoLike(format), onlyJpegAndPng).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RejectedInputError);
      expect(error).toMatchObject({
        reason: 'format_not_accepted',
        message: `${format} images are not accepted here (accepted: jpeg, png)`,
      });
    }
    // The pixel limit comes first: libvips enforces it while reading the header, before the format is known here.
    const bomb = await sharp({ create: { width: 3000, height: 3000, channels: 3, background: '#fff' } })
      .webp()
      .toBuffer();
    const error = await decodeImage(bomb, { ...onlyJpegAndPng, maxPixels: 1_000_000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ reason: 'too_many_pixels' });
  });

  it('refuses PDF', async () =>
    expect(await reasonOf(Buffer.from('%PDF-1.7\n%%EOF\n'))).toBe('unsupported_format'));
});

describe("libvips' loader restriction", () => {
  // Loads this module and decodes a PNG, counting sharp.block calls: a second restriction while
  // another thread decodes makes that decode fail.
  const probe = `
    import sharp from 'sharp';
    let blocks = 0;
    const block = sharp.block.bind(sharp);
    sharp.block = (options) => { blocks++; return block(options); };
    const { decodeImage } = await import(${JSON.stringify(new URL('./decode-image.ts', import.meta.url).href)});
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).png().toBuffer();
    await decodeImage(png, { maxBytes: 1e6, maxPixels: 1e6, timeoutMs: 5000, analysisSize: 8 });
    const report = String(blocks);
  `;

  it('is applied once per process: not again in its worker threads, again in another process', async () => {
    expect(restrictLoaders()).toBe(false); // applied when this module was imported
    const worker = new Worker(
      `${probe}; (await import('node:worker_threads')).parentPort.postMessage(report);`,
      { eval: true },
    );
    const [inThread] = await once(worker, 'message');
    await worker.terminate();
    expect(inThread).toBe('0');
    const { stdout } = await promisify(execFile)(process.execPath, [
      '--input-type=module',
      '-e',
      `${probe}; console.log(report);`,
    ]);
    expect(stdout.trim()).toBe('1');
  });
});
