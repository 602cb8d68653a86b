import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DetectJob, VerdictRecord } from '@advscreen/contracts';
import { createResidualScorer, loadDetectorModel, type Scorer } from '@advscreen/detection';
import { createMemoryQueryHistoryStore, createQueryHistory } from '@advscreen/query-history';
import { LocalFolderStore } from '@advscreen/storage';
import { describe, expect, it } from 'vitest';
import { BucketLikeStore } from '../../../../test/support/bucket-like-store.ts';
import { nearDuplicatePngs } from '../../../../test/support/near-duplicates.ts';
import { type DetectionCache, NO_DETECTION_CACHE } from '../detection-cache.ts';
import { type DetectDependencies, detectObject } from './detect.ts';
import { createOutcomeWriter } from './outcome-records.ts';

const PHOTOS = new URL('../../../../test/fixtures/photos/', import.meta.url).pathname;
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Queues that record what was added (the stage's only side effects besides S3 writes). */
function recordingQueues() {
  const added: { queue: string; data: unknown; jobId: string | undefined }[] = [];
  const queue = (name: string) => ({
    add: async (_job: string, data: unknown, options?: { jobId?: string }) => {
      added.push({ queue: name, data, jobId: options?.jobId });
    },
  });
  return { added, queues: { infer: queue('infer'), events: queue('events') } as never };
}

/** The stage on a local folder: the bundled detector, no cache and no query history unless given. */
function dependenciesOn(
  store: LocalFolderStore,
  given: Partial<DetectDependencies> = {},
): DetectDependencies {
  return {
    storeFor: () => store,
    scorer: createResidualScorer(loadDetectorModel()),
    limits: { maxBytes: 5e6, maxPixels: 1e8, timeoutMs: 5000, analysisSize: 224 },
    quarantine: { store, prefix: 'held' },
    outcomes: createOutcomeWriter(store, 'results'),
    queues: recordingQueues().queues,
    cache: NO_DETECTION_CACHE,
    queryHistory: null,
    ...given,
  };
}

/** A detection cache in a Map, to see what was filed under which content id. */
function mapCache(): { entries: Map<string, VerdictRecord>; cache: DetectionCache } {
  const entries = new Map<string, VerdictRecord>();
  return {
    entries,
    cache: {
      get: async (id) => entries.get(id) ?? null,
      set: async (id, record) => {
        entries.set(id, record);
      },
    },
  };
}

const detectJob = (
  key: string,
  etag: string,
  source = 'bot',
  contentType: string | null = null,
): DetectJob => ({
  v: 1,
  object: { bucket: 'uploads', key, etag },
  size: 0,
  contentType,
  source,
  receivedAt: '2026-11-24T00:00:00Z',
});

describe('detectObject', () => {
  it('reuses the verdict of identical bytes under another key, still quarantining the copy', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'advscreen-detect-'));
    const store = new LocalFolderStore(root);
    const bytes = await readFile(path.join(PHOTOS, 'dog_0__PGD_8-255.png'));
    const contentId = md5(bytes);
    await store.put('a.png', bytes);
    await store.put('b.png', bytes);
    const base = createResidualScorer(loadDetectorModel());
    let scored = 0;
    const scorer: Scorer = {
      ...base,
      score: (image, format) => {
        scored++;
        return base.score(image, format);
      },
    };
    const { added, queues } = recordingQueues();
    const deps = dependenciesOn(store, { scorer, queues, cache: mapCache().cache });
    const job = (key: string) => detectJob(key, contentId);
    const summaries = [await detectObject(job('a.png'), deps), await detectObject(job('b.png'), deps)];

    expect(scored).toBe(1);
    // What the role's metrics count: the second verdict was reused, nothing read for scoring.
    expect(summaries.map((s) => [s.verdict, s.reused, s.timings === null])).toEqual([
      ['adversarial', false, false],
      ['adversarial', true, true],
    ]);
    const first = JSON.parse(await readFile(path.join(root, 'results/uploads/a.png.json'), 'utf8'));
    const second = JSON.parse(await readFile(path.join(root, 'results/uploads/b.png.json'), 'utf8'));
    expect(first).toMatchObject({ verdict: 'adversarial', duplicateOfContent: false, key: 'a.png' });
    expect(second).toMatchObject({
      verdict: 'adversarial',
      duplicateOfContent: true,
      key: 'b.png',
      score: first.score,
    });
    expect((await store.read('held/uploads/b.png', 5e6)).equals(bytes)).toBe(true);
    expect(added.filter((a) => a.queue === 'events')).toHaveLength(2);
  });

  it('serves a cached verdict only to the very bytes it was made on, whatever their ETag says, and not a decoder failure', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'advscreen-detect-'));
    const store = new LocalFolderStore(root);
    const adversarial = await readFile(path.join(PHOTOS, 'dog_0__PGD_8-255.png'));
    const clean = await readFile(path.join(PHOTOS, 'dog_0.png'));
    const { entries: cached, cache } = mapCache();
    const deps = dependenciesOn(store, { cache });
    await store.put('clean.png', clean);
    await detectObject(detectJob('clean.png', md5(clean)), deps);
    expect([...cached.keys()]).toEqual([sha256(clean)]);
    // Adversarial bytes under the clean image's MD5, as S3 would show for an MD5 collision made
    // of the two: screened, not served the clean verdict.
    await store.put('collided.png', adversarial);
    await detectObject(detectJob('collided.png', md5(clean)), deps);
    const collided = JSON.parse(await readFile(path.join(root, 'results/uploads/collided.png.json'), 'utf8'));
    expect(collided).toMatchObject({ verdict: 'adversarial', duplicateOfContent: false });
    // The same bytes under an ETag that is no MD5 of them (SSE-KMS) reuse that verdict.
    await store.put('kms.png', adversarial);
    await detectObject(detectJob('kms.png', 'f'.repeat(32)), deps);
    const kms = JSON.parse(await readFile(path.join(root, 'results/uploads/kms.png.json'), 'utf8'));
    expect(kms).toMatchObject({ verdict: 'adversarial', duplicateOfContent: true });
    expect([...cached.keys()].sort()).toEqual([sha256(adversarial), sha256(clean)].sort());
    // A decoder failure is screened again next time: it may have been the host, not the bytes.
    const truncated = clean.subarray(0, clean.length >> 1);
    await store.put('cut.png', truncated);
    await detectObject(detectJob('cut.png', md5(truncated)), deps);
    const cut = JSON.parse(await readFile(path.join(root, 'results/uploads/cut.png.json'), 'utf8'));
    expect(cut).toMatchObject({ verdict: 'rejected', reason: 'corrupt' });
    expect(cached.has(sha256(truncated))).toBe(false);
  });

  it('refuses the same SVG bytes as unsupported under its own name and as disguised under an image name or type', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'advscreen-detect-'));
    const store = new LocalFolderStore(root);
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>');
    const deps = dependenciesOn(store, { cache: mapCache().cache });
    const typeOf: Record<string, string> = { 'upload-7f3a': 'image/png', 'logo.svg': 'image/svg+xml' };
    for (const key of ['logo.svg', 'cat.jpg', 'logo-again.svg', 'upload-7f3a']) {
      await store.put(key, svg);
      await detectObject(detectJob(key, md5(svg), 'bot', typeOf[key] ?? null), deps);
    }
    const reasonOf = async (key: string) =>
      JSON.parse(await readFile(path.join(root, `results/uploads/${key}.json`), 'utf8')).reason;
    expect(await reasonOf('logo.svg')).toBe('unsupported_format');
    expect(await reasonOf('cat.jpg')).toBe('disguised_format');
    expect(await reasonOf('logo-again.svg')).toBe('unsupported_format');
    expect(await reasonOf('upload-7f3a')).toBe('disguised_format');
  });

  it('leaves a version overwritten since it was queued to its successor, and reads a damaged transfer again', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'advscreen-detect-'));
    const store = new BucketLikeStore(root);
    const adversarial = await readFile(path.join(PHOTOS, 'dog_0__PGD_8-255.png'));
    const clean = await readFile(path.join(PHOTOS, 'dog_0.png'));
    const { added, queues } = recordingQueues();
    const deps = dependenciesOn(store, { queues });
    // Queued as the adversarial image, replaced by a clean one since: the clean version has its
    // own job; this one must not write the clean bytes' verdict as the adversarial version's.
    await store.put('replaced.png', clean);
    expect(await detectObject(detectJob('replaced.png', md5(adversarial)), deps)).toMatchObject({
      verdict: 'superseded',
    });
    expect(added).toHaveLength(0);
    await expect(readFile(path.join(root, 'results/uploads/replaced.png.json'))).rejects.toThrow(/ENOENT/);
    // Half the bytes came back once: screened on the second read, not rejected as corrupt.
    await store.put('flaky.png', adversarial);
    store.damagedReads = 1;
    await detectObject(detectJob('flaky.png', md5(adversarial)), deps);
    const flaky = JSON.parse(await readFile(path.join(root, 'results/uploads/flaky.png.json'), 'utf8'));
    expect(flaky).toMatchObject({ verdict: 'adversarial', bytes: adversarial.length });
    expect(store.damagedReads).toBe(0);
  });

  it("quarantines a named sender's near-duplicate uploads once they repeat, not an unattributed one's", async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'advscreen-detect-'));
    const store = new LocalFolderStore(root);
    const queries = await nearDuplicatePngs(path.join(PHOTOS, 'kite_1.png'), 3);
    const rule = { radius: 3, neighbours: 2, size: 16, windowMs: 60_000 };
    const { added, queues } = recordingQueues();
    const deps = dependenciesOn(store, {
      queues,
      queryHistory: createQueryHistory(createMemoryQueryHistoryStore(rule), rule),
    });
    const upload = async (source: string, i: number) => {
      const png = queries[i] as Buffer;
      const key = `${source}/${i}.png`;
      await store.put(key, png);
      const etag = md5(png);
      await detectObject(detectJob(key, etag, source), deps);
      return JSON.parse(
        await readFile(path.join(root, 'results/uploads', `${key}.json`), 'utf8').catch(() => 'null'),
      );
    };
    for (const i of [0, 1]) expect(await upload('agent', i)).toBeNull(); // clean: on to inference
    const third = await upload('agent', 2);
    expect(third).toMatchObject({ verdict: 'adversarial', layer: 'query-history', nearDuplicates: 2 });
    expect(third.quarantineKey).toBe('held/uploads/agent/2.png');
    for (const i of [0, 1, 2]) expect(await upload('unknown', i)).toBeNull();
    expect(added.filter((a) => a.queue === 'infer')).toHaveLength(5);
    // The monitor hears which check decided, so its alert can say an agent is querying.
    expect(added.filter((a) => a.queue === 'events').map((a) => a.data)).toEqual([
      expect.objectContaining({ verdict: 'adversarial', layer: 'query-history', source: 'agent' }),
    ]);
  });
});
