import type { Scorer } from '@advscreen/detection';
import { describe, expect, it } from 'vitest';
import { screenObject } from './screen-object.ts';

const SVG = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><script>alert(1)</script></svg>',
);
const PDF = Buffer.from('%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n');

const LIMITS = { maxBytes: 1 << 20, maxPixels: 1 << 24, timeoutMs: 5000, analysisSize: 224 };

const NEVER_CALLED: Scorer = {
  name: 'never-called@1',
  threshold: 0,
  score: () => {
    throw new Error('a refused file was scored');
  },
};

/** Screens `bytes` stored under `key`; refusals never reach the scorer. */
async function refusalOf(key: string, bytes: Buffer, contentType: string | null = null) {
  const { record } = await screenObject(
    { store: { read: async () => bytes }, scorer: NEVER_CALLED, limits: LIMITS },
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

  it('asks the store for the media type only when the caller has none and it matters', async () => {
    const heads: string[] = [];
    const store = (contentType: string | undefined) => ({
      read: async () => SVG,
      head: async (key: string) => {
        heads.push(key);
        return { key, size: SVG.length, etag: undefined, contentType, metadata: {} };
      },
    });
    const screen = async (key: string, stored: string | undefined, passed?: string | null) =>
      (await screenObject({ store: store(stored), scorer: NEVER_CALLED, limits: LIMITS }, key, passed))
        .record;
    expect(await screen('uploads/4f1c9a', 'image/jpeg')).toMatchObject({
      reason: 'disguised_format',
      detail: expect.stringMatching(/^SVG content sent as image\/jpeg;/),
    });
    expect((await screen('uploads/77e0b2', 'image/svg+xml')).reason).toBe('unsupported_format');
    expect((await screen('uploads/90d3c4', undefined)).reason).toBe('unsupported_format');
    expect(heads).toEqual(['uploads/4f1c9a', 'uploads/77e0b2', 'uploads/90d3c4']);
    // The name decides, or the caller's type (null: the object has none): no HEAD.
    expect((await screen('cat.png', 'image/svg+xml')).reason).toBe('disguised_format');
    expect((await screen('uploads/a1b2c3', 'image/jpeg', null)).reason).toBe('unsupported_format');
    expect((await screen('uploads/d4e5f6', 'image/jpeg', 'image/svg+xml')).reason).toBe('unsupported_format');
    expect(heads).toHaveLength(3);
    // A HEAD that fails leaves the plain refusal.
    const failing = {
      read: async () => SVG,
      head: async () => {
        throw new Error('AccessDenied');
      },
    };
    const { record } = await screenObject({ store: failing, scorer: NEVER_CALLED, limits: LIMITS }, 'u/1');
    expect(record.reason).toBe('unsupported_format');
  });

  it('keeps other refusals under image names as they are', async () => {
    expect((await refusalOf('notes.jpg', Buffer.from('plain text, not pixels\n'))).reason).toBe(
      'not_an_image',
    );
    expect((await refusalOf('empty.png', Buffer.alloc(0))).reason).toBe('empty');
  });
});
