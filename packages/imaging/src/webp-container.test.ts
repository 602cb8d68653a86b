import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { webpCompression } from './webp-container.ts';

const pixels = {
  create: { width: 16, height: 16, channels: 4 as const, background: { r: 200, g: 40, b: 90, alpha: 0.5 } },
};

describe('webpCompression', () => {
  it('tells lossy from lossless WebP, simple and extended (alpha) files alike', async () => {
    expect(webpCompression(await sharp(pixels).removeAlpha().webp({ quality: 80 }).toBuffer())).toBe('lossy');
    expect(webpCompression(await sharp(pixels).removeAlpha().webp({ lossless: true }).toBuffer())).toBe(
      'lossless',
    );
    // With alpha, a lossy file is extended: VP8X, ALPH, then VP8.
    const withAlpha = await sharp(pixels).webp({ quality: 80 }).toBuffer();
    expect(String.fromCharCode(...withAlpha.subarray(12, 16))).toBe('VP8X');
    expect(webpCompression(withAlpha)).toBe('lossy');
    expect(webpCompression(await sharp(pixels).webp({ lossless: true }).toBuffer())).toBe('lossless');
  });

  it('says nothing of other bytes or a truncated container', async () => {
    expect(webpCompression(await sharp(pixels).png().toBuffer())).toBeNull();
    const lossy = await sharp(pixels).removeAlpha().webp({ quality: 80 }).toBuffer();
    expect(webpCompression(lossy.subarray(0, 14))).toBeNull();
    expect(webpCompression(new Uint8Array(0))).toBeNull();
  });
});
