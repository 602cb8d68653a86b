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

  it('reads a hostile file of frames nested in frames without recursing into them', () => {
    const depth = 100_000;
    const bytes = Buffer.alloc(12 + 24 * depth + 8);
    bytes.write('RIFF', 0, 'latin1');
    bytes.write('WEBP', 8, 'latin1');
    for (let level = 0; level < depth; level++) {
      const at = 12 + 24 * level;
      bytes.write('ANMF', at, 'latin1');
      bytes.writeUInt32LE(bytes.length - at - 8, at + 4);
    }
    bytes.write('VP8 ', bytes.length - 8, 'latin1');
    expect(webpCompression(bytes)).toBeNull();
  });
});
