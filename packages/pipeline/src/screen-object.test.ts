import type { Scorer } from '@advscreen/detection';
import { describe, expect, it } from 'vitest';
import { screenObject } from './screen-object.ts';

const SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><script>alert(1)</script></svg>',
);
const PDF = Buffer.from('%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

const LIMITS = { maxBytes: 1 << 20, maxPixels: 1 << 24, timeoutMs: 5000, analysisSize: 224 };

/** Screens `bytes` stored under `key`; refusals never reach the scorer. */
async function refusalOf(key: string, bytes: Buffer, contentType: string | null = null) {
  const scorer: Scorer = {
    name: 'never-called@1',
    threshold: 0,
    score: () => {
      throw new Error('a refused file was scored');
    },
  };
  const { record } = await screenObject(
    { store: { read: async () => bytes }, scorer, limits: LIMITS },
    key,
    contentType,
  );
  return record;
}

describe('screenObject refusals', () => {
  it('calls an SVG or PDF under an image name disguised, and one named for what it is unsupported', async () => {
    expect(await refusalOf('uploads/cat.jpg', SVG)).toMatchObject({
      verdict: 'rejected',
      reason: 'disguised_format',
      detail: expect.stringMatching(/^SVG content under an image's name \(\.jpg\)/),
    });
    expect((await refusalOf('scans/page.PNG', PDF)).reason).toBe('disguised_format');
    expect((await refusalOf('a/b.webp', PDF)).reason).toBe('disguised_format');
    expect((await refusalOf('logos/mark.svg', SVG)).reason).toBe('unsupported_format');
    expect((await refusalOf('docs/brief.pdf', PDF)).reason).toBe('unsupported_format');
    // No name to contradict: refused as a format, not as a disguise.
    expect((await refusalOf('uploads/4f1c9a', SVG)).reason).toBe('unsupported_format');
  });

  it('calls an SVG or PDF sent with a raster media type disguised, whatever its name', async () => {
    expect(await refusalOf('uploads/4f1c9a', SVG, 'image/jpeg')).toMatchObject({
      reason: 'disguised_format',
      detail: expect.stringMatching(/^SVG content sent as image\/jpeg;/),
    });
    expect((await refusalOf('upload.bin', PDF, 'IMAGE/PNG')).reason).toBe('disguised_format');
    // Their own media types, or none that claims anything, are honest.
    expect((await refusalOf('uploads/4f1c9a', SVG, 'image/svg+xml')).reason).toBe('unsupported_format');
    expect((await refusalOf('brief', PDF, 'application/pdf')).reason).toBe('unsupported_format');
    expect((await refusalOf('upload.bin', SVG, 'binary/octet-stream')).reason).toBe('unsupported_format');
    // The name's claim stands whatever the type says.
    expect((await refusalOf('cat.jpg', SVG, 'image/svg+xml')).reason).toBe('disguised_format');
  });

  it('keeps other refusals under image names as they are', async () => {
    expect((await refusalOf('notes.jpg', Buffer.from('plain text, not pixels\n'))).reason).toBe(
      'not_an_image',
    );
    expect((await refusalOf('empty.png', Buffer.alloc(0))).reason).toBe('empty');
  });
});
