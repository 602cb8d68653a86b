import { readFile } from 'node:fs/promises';
import type { RgbImage } from '@advscreen/contracts';
import { decodeImage } from '@advscreen/imaging';
import { describe, expect, it } from 'vitest';
import { FINGERPRINT_BYTES, fingerprintDistance, isPlain, queryFingerprint } from './fingerprint.ts';
import {
  applyQueryFinding,
  createMemoryQueryHistoryStore,
  createQueryHistory,
  findNeighbours,
  type QueryHistoryRule,
} from './query-history.ts';

const PHOTOS = new URL('../../../test/fixtures/photos/', import.meta.url);
const limits = { maxBytes: 5e6, maxPixels: 1e8, timeoutMs: 5000, analysisSize: 224 };
const rule: QueryHistoryRule = { radius: 3, neighbours: 5, size: 256, windowMs: 3_600_000 };
const photo = async (name: string) =>
  (await decodeImage(await readFile(new URL(name, PHOTOS)), limits)).analysis;

const grey = (level: number, size = 16): RgbImage => ({
  width: size,
  height: size,
  data: new Uint8Array(size * size * 3).fill(level),
});
/** Two halves 60 levels apart: not plain, and `level` moves every cell by the same amount. */
const halves = (level: number): RgbImage => {
  const image = grey(level);
  for (let i = 0; i < image.data.length; i += 3) if ((i / 3) % 16 >= 8) image.data.fill(level + 60, i, i + 3);
  return image;
};
const entry = (contentId: string, atMs: number, level: number) => ({
  contentId,
  atMs,
  fingerprint: new Uint8Array(FINGERPRINT_BYTES).fill(level),
});

/**
 * What Square does from the clean image, query after query: a random square of the current
 * image set to the original +-eps per channel (here every query is kept as the next start).
 */
function squareQueries(original: RgbImage, eps: number, count: number, seed: number): RgbImage[] {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const current = Uint8Array.from(original.data);
  const queries: RgbImage[] = [];
  for (let q = 0; q < count; q++) {
    const side = Math.max(1, Math.round(original.width * (0.3 - q * 0.01)));
    const x0 = Math.floor(random() * (original.width - side));
    const y0 = Math.floor(random() * (original.height - side));
    const shift = [0, 1, 2].map(() => (random() < 0.5 ? -eps : eps));
    for (let y = y0; y < y0 + side; y++)
      for (let x = x0; x < x0 + side; x++)
        for (let c = 0; c < 3; c++) {
          const i = (y * original.width + x) * 3 + c;
          current[i] = Math.min(255, Math.max(0, (original.data[i] as number) + (shift[c] as number)));
        }
    queries.push({ ...original, data: Uint8Array.from(current) });
  }
  return queries;
}

describe('queryFingerprint', () => {
  it("is each of 8 x 8 cells' mean grey level less the image's, for any size", () => {
    expect([...queryFingerprint(grey(100))]).toEqual(new Array(64).fill(128));
    const split = grey(0, 20);
    for (let y = 0; y < 20; y++)
      for (let x = 10; x < 20; x++) split.data.fill(200, (y * 20 + x) * 3, (y * 20 + x) * 3 + 3);
    const fingerprint = queryFingerprint(split);
    expect([...fingerprint.slice(0, 8)]).toEqual([28, 28, 28, 28, 228, 228, 228, 228]);
    expect(fingerprintDistance(fingerprint, queryFingerprint(grey(0, 20)))).toBe(100);
  });

  it('does not move when the whole image is made brighter', () => {
    expect([...queryFingerprint(halves(90))]).toEqual([...queryFingerprint(halves(50))]);
  });
});

describe('findNeighbours', () => {
  it('counts distinct other content inside the radius and the window', () => {
    const history = [
      entry('a', 1000, 101),
      entry('a', 1001, 101), // a retry of the same bytes counts once
      entry('b', 1002, 103),
      entry('c', 1003, 104), // outside the radius
      entry('self', 1004, 100), // the upload's own earlier copy
      entry('old', 1000 - rule.windowMs - 1, 100), // outside the window
    ];
    const finding = findNeighbours(entry('self', 2000, 100), history, rule);
    expect(finding).toEqual({ neighbours: 2, repeated: false });
    expect(findNeighbours(entry('self', 2000, 100), history, { ...rule, neighbours: 2 }).repeated).toBe(true);
  });
});

describe('createQueryHistory', () => {
  it("quarantines a Square agent's queries after the fifth and none of a sender's different photos", async () => {
    const dog = await photo('dog_0.png');
    const agent = createQueryHistory(createMemoryQueryHistoryStore(rule), rule);
    const findings = [];
    for (const [i, image] of squareQueries(dog, 8, 12, 7).entries())
      findings.push(await agent.inspect('agent', { content: `query-${i}`, atMs: 1000 + i, image }));
    expect(findings.map((f) => f.repeated)).toEqual([
      ...new Array(5).fill(false),
      ...new Array(7).fill(true),
    ]);

    const sender = createQueryHistory(createMemoryQueryHistoryStore(rule), rule);
    for (const name of [
      'dog_0.png',
      'dog_0.jpg',
      'kite_1.png',
      'kite_1.jpg',
      'person_2.png',
      'person_2.jpg',
    ]) {
      const finding = await sender.inspect('sender', { content: name, atMs: 1000, image: await photo(name) });
      expect(finding.neighbours).toBeLessThanOrEqual(1); // only its own re-encode
    }
    // Histories are per sender: the agent's queries are not the sender's neighbours.
    expect((await agent.inspect('sender', { content: 'x', atMs: 2000, image: dog })).neighbours).toBe(0);
  });

  it('forgets all but the most recent uploads of a source', async () => {
    const small = { ...rule, size: 3, neighbours: 1 };
    const history = createQueryHistory(createMemoryQueryHistoryStore(small), small);
    for (let i = 0; i < 5; i++) await history.inspect('s', { content: `${i}`, atMs: i, image: halves(50) });
    expect((await history.inspect('s', { content: 'new', atMs: 9, image: halves(50) })).neighbours).toBe(3);
  });

  it('drops senders silent for a whole window from memory', async () => {
    const store = createMemoryQueryHistoryStore(rule);
    const history = createQueryHistory(store, rule);
    for (let i = 0; i < 100; i++)
      await history.inspect(`sender-${i}`, { content: `${i}`, atMs: i, image: halves(50) });
    expect(store.senders()).toBe(100);
    await history.inspect('late', { content: 'x', atMs: 100 + rule.windowMs, image: halves(50) });
    expect(store.senders()).toBe(1);
  });

  it('neither remembers nor judges plain images, which all look alike', async () => {
    const history = createQueryHistory(createMemoryQueryHistoryStore(rule), rule);
    const findings = [];
    for (let i = 0; i < 8; i++)
      findings.push(await history.inspect('s', { content: `${i}`, atMs: i, image: grey(50 + (i % 2)) }));
    expect(findings.every((f) => f.neighbours === 0 && !f.repeated)).toBe(true);
    expect(isPlain(queryFingerprint(halves(50)))).toBe(false);
    expect((await history.inspect('s', { content: 'x', atMs: 9, image: halves(50) })).neighbours).toBe(0);
  });
});

describe('applyQueryFinding', () => {
  const clean = {
    key: 'k.png',
    verdict: 'clean' as const,
    score: -1,
    threshold: 0,
    signals: {},
    detector: 'd@1',
    bytes: 10,
    format: 'png',
    ms: 1,
  };
  it('turns a clean verdict that repeats recent queries into a quarantine with its reason', () => {
    const flagged = applyQueryFinding(clean, { neighbours: 7, repeated: true }, rule);
    expect(flagged).toMatchObject({ verdict: 'adversarial', layer: 'query-history', nearDuplicates: 7 });
    expect(flagged.detail).toMatch(/7 earlier uploads from this sender in the last 60 min/);
    expect(applyQueryFinding(clean, { neighbours: 2, repeated: false }, rule)).toEqual({
      ...clean,
      nearDuplicates: 2,
    });
  });
  it("keeps the detector's own decision", () => {
    const detected = { ...clean, verdict: 'adversarial' as const, score: 3 };
    expect(applyQueryFinding(detected, { neighbours: 9, repeated: true }, rule)).toEqual({
      ...detected,
      nearDuplicates: 9,
    });
  });
});
