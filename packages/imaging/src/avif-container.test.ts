import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { avifStoresRgb } from './avif-container.ts';

const pixels = {
  create: { width: 16, height: 16, channels: 3 as const, background: { r: 200, g: 40, b: 90 } },
};

describe('avifStoresRgb', () => {
  it('tells lossless AVIF (identity matrix) from lossy AVIF', async () => {
    const lossless = await sharp(pixels).avif({ lossless: true, effort: 0 }).toBuffer();
    expect(avifStoresRgb(lossless)).toBe(true);
    expect(avifStoresRgb(await sharp(pixels).avif({ quality: 60, effort: 0 }).toBuffer())).toBe(false);
    expect(
      avifStoresRgb(
        await sharp(pixels).avif({ quality: 100, chromaSubsampling: '4:4:4', effort: 0 }).toBuffer(),
      ),
    ).toBe(false);
  });

  it('reads the matrix from the nclx property, not from any bytes that look like one', async () => {
    const lossless = Buffer.from(await sharp(pixels).avif({ lossless: true, effort: 0 }).toBuffer());
    const at = lossless.indexOf('nclx');
    lossless.writeUInt16BE(1, at + 8); // matrix coefficients: BT.709
    expect(avifStoresRgb(lossless)).toBe(false);
  });

  it('says false for other bytes and for files cut before their colour property, without throwing', async () => {
    const lossless = await sharp(pixels).avif({ lossless: true, effort: 0 }).toBuffer();
    const nclxEnd = lossless.indexOf('nclx') + 11;
    for (let end = 0; end < nclxEnd; end++) expect(avifStoresRgb(lossless.subarray(0, end))).toBe(false);
    expect(avifStoresRgb(await sharp(pixels).png().toBuffer())).toBe(false);
    expect(avifStoresRgb(new Uint8Array(0))).toBe(false);
  });

  it('reads a hostile file of deeply nested boxes without recursing into them', () => {
    const depth = 100_000;
    const bytes = Buffer.alloc(16 + 12 * depth);
    bytes.writeUInt32BE(16, 0);
    bytes.write('ftypavif', 4, 'latin1');
    for (let level = 0; level < depth; level++) {
      const at = 16 + 12 * level;
      bytes.writeUInt32BE(bytes.length - at, at);
      bytes.write('meta', at + 4, 'latin1');
    }
    expect(avifStoresRgb(bytes)).toBe(false);
  });
});
