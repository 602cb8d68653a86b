import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { jpegChromaSubsampling, jpegLumaQuantStep, jpegLumaQuantTable } from './jpeg-quantisation.ts';

/** IJG's standard luminance table (JPEG Annex K), which sharp's default encoder scales. */
const ANNEX_K_LUMA = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22,
  29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103,
  121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
/** The IJG scaling of a table to a quality (libjpeg's jpeg_quality_scaling). */
const ijgMean = (quality: number) => {
  const scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
  const steps = ANNEX_K_LUMA.map((v) => Math.min(255, Math.max(1, Math.floor((v * scale + 50) / 100))));
  return steps.reduce((a, b) => a + b, 0) / 64;
};

const encode = (quality: number) =>
  sharp({ create: { width: 16, height: 16, channels: 3, background: '#808080' } })
    .jpeg({ quality })
    .toBuffer();

describe('jpegLumaQuantStep', () => {
  it('reads the mean of the luminance table the encoder wrote', async () => {
    for (const quality of [50, 70, 90, 95, 100]) {
      expect(jpegLumaQuantStep(await encode(quality))).toBeCloseTo(ijgMean(quality), 10);
    }
    expect(ijgMean(100)).toBe(1);
  });

  it('is null for other formats and for a JPEG cut off before its tables', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } })
      .png()
      .toBuffer();
    expect(jpegLumaQuantStep(png)).toBeNull();
    expect(jpegLumaQuantStep(Uint8Array.from([0xff, 0xd8, 0xff, 0xdb, 0x00]))).toBeNull();
    expect(jpegLumaQuantStep(new Uint8Array())).toBeNull();
  });
});

describe('jpegLumaQuantTable', () => {
  it("reads the table in the block's row order (stored zigzag)", async () => {
    // At quality 50 the IJG scaling leaves Annex K's table as it is.
    expect(jpegLumaQuantTable(await encode(50))).toEqual(ANNEX_K_LUMA);
  });
});

describe('jpegChromaSubsampling', () => {
  /** A header with only a baseline frame segment: components as [id, h, v]. */
  const frameHeader = (components: [number, number, number][]) =>
    Uint8Array.from([
      0xff,
      0xd8,
      0xff,
      0xc0,
      0,
      8 + 3 * components.length,
      8,
      0,
      16,
      0,
      16,
      components.length,
      ...components.flatMap(([id, h, v]) => [id, (h << 4) | v, id === 1 ? 0 : 1]),
      0xff,
      0xd9,
    ]);

  it('reads the chroma subsampling from the sampling factors', () => {
    const luma = (h: number, v: number) =>
      frameHeader([
        [1, h, v],
        [2, 1, 1],
        [3, 1, 1],
      ]);
    expect(jpegChromaSubsampling(luma(2, 2))).toBe('4:2:0');
    expect(jpegChromaSubsampling(luma(2, 1))).toBe('4:2:2');
    expect(jpegChromaSubsampling(luma(1, 1))).toBe('4:4:4');
    expect(jpegChromaSubsampling(luma(1, 2))).toBe('other'); // 4:4:0
    expect(jpegChromaSubsampling(luma(4, 1))).toBe('other'); // 4:1:1
    expect(
      jpegChromaSubsampling(
        frameHeader([
          [1, 2, 2],
          [2, 1, 1],
          [3, 2, 1],
        ]),
      ),
    ).toBe('other');
    expect(jpegChromaSubsampling(frameHeader([[1, 1, 1]]))).toBeNull();
  });

  it('agrees with the encoder on real files, and is null for other formats', async () => {
    const image = sharp({ create: { width: 32, height: 32, channels: 3, background: '#806040' } });
    for (const chromaSubsampling of ['4:2:0', '4:4:4'] as const)
      expect(jpegChromaSubsampling(await image.clone().jpeg({ chromaSubsampling }).toBuffer())).toBe(
        chromaSubsampling,
      );
    expect(jpegChromaSubsampling(await image.clone().png().toBuffer())).toBeNull();
  });
});
