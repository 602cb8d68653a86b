import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@advscreen/config';
import { RejectReason, VerdictRecord } from '@advscreen/contracts';
import { createResidualScorer, loadDetectorModel } from '@advscreen/detection';
import { screenObject } from '@advscreen/pipeline';
import { LocalFolderStore } from '@advscreen/storage';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

/** A deterministic generator, so that a failure names a file that can be made again. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x80000000;
  };
}

/** Truncation, overwritten bytes, a length field set to 0 or 2^32-1, inserted junk, a cut-out run. */
function mutate(original: Buffer, kind: number, random: () => number): Buffer {
  const at = (limit = original.length) => Math.floor(random() * limit);
  const bytes = Buffer.from(original);
  switch (kind) {
    case 0:
      return bytes.subarray(0, at());
    case 1:
      for (let i = 0; i < 8; i++) bytes[at()] = at(256);
      return bytes;
    case 2:
      bytes.writeUInt32BE(random() < 0.5 ? 0 : 0xffffffff, at(Math.min(bytes.length - 4, 400)));
      return bytes;
    case 3: {
      const where = at();
      const junk = Buffer.from(Array.from({ length: 1 + at(64) }, () => at(256)));
      return Buffer.concat([bytes.subarray(0, where), junk, bytes.subarray(where)]);
    }
    default: {
      const where = at();
      return Buffer.concat([bytes.subarray(0, where), bytes.subarray(where + 1 + at(64))]);
    }
  }
}

async function formatSamples(): Promise<Record<string, Buffer>> {
  const width = 96;
  const height = 72;
  const pixels = Buffer.alloc(width * height * 4);
  for (let i = 0; i < pixels.length; i++) pixels[i] = ((i * 7) % 251) ^ ((i >> 5) & 0x3f);
  // Opaque but for every 20th pixel, so that damaged files are scored through the alpha path,
  // not refused as partly transparent.
  for (let p = 0; p < width * height; p++) pixels[4 * p + 3] = p % 20 === 0 ? 0 : 255;
  const image = () => sharp(pixels, { raw: { width, height, channels: 4 } });
  const opaque = () => image().removeAlpha();
  return {
    png: await image().png().toBuffer(),
    jpeg: await opaque().jpeg({ quality: 85, progressive: true }).withMetadata({ orientation: 6 }).toBuffer(),
    webp: await image().webp({ quality: 80 }).toBuffer(),
    'lossless.webp': await image().webp({ lossless: true }).toBuffer(),
    avif: await opaque().avif({ quality: 60 }).toBuffer(),
    'lossless.avif': await opaque().avif({ lossless: true }).toBuffer(),
    tiff: await image().tiff().toBuffer(),
    gif: await image().gif().toBuffer(),
  };
}

describe('damaged files of every screened format', () => {
  it('each ends with a verdict: scored with finite numbers, or rejected with a reason; nothing throws', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'advscreen-mutated-'));
    const random = seededRandom(20261127);
    const keys: string[] = [];
    for (const [name, sample] of Object.entries(await formatSamples())) {
      for (let i = 0; i < 30; i++) {
        const key = `${name.replace('.', '-')}-${i}.${name.split('.').at(-1)}`;
        await writeFile(path.join(folder, key), mutate(sample, i % 5, random));
        keys.push(key);
      }
    }
    const deps = {
      store: new LocalFolderStore(folder),
      scorer: createResidualScorer(loadDetectorModel()),
      limits: loadConfig({}).decode,
    };
    const verdicts = new Map<string, number>();
    for (const key of keys) {
      const { record } = await screenObject(deps, key);
      VerdictRecord.parse(record);
      if (record.verdict === 'rejected') {
        expect(RejectReason.options, key).toContain(record.reason);
        expect(record.detail, key).toBeTruthy();
      } else {
        expect(Number.isFinite(record.score), key).toBe(true);
        for (const [signal, value] of Object.entries(record.signals))
          expect(Number.isFinite(value), `${key} ${signal}`).toBe(true);
      }
      verdicts.set(record.verdict, (verdicts.get(record.verdict) ?? 0) + 1);
    }
    // The mutations reach both outcomes: some files still decode, most are refused.
    expect(verdicts.get('rejected')).toBeGreaterThan(keys.length / 2);
    expect((verdicts.get('clean') ?? 0) + (verdicts.get('adversarial') ?? 0)).toBeGreaterThan(10);
  });
});
