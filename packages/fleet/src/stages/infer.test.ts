import { createHash } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { InferJob } from '@advscreen/contracts';
import { describe, expect, it } from 'vitest';
import { BucketLikeStore } from '../../../../test/support/bucket-like-store.ts';
import { type InferDependencies, inferObject } from './infer.ts';
import { createOutcomeWriter } from './outcome-records.ts';

const PHOTOS = new URL('../../../../test/fixtures/photos/', import.meta.url).pathname;
const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');

const inferJob = (key: string, etag: string): InferJob => ({
  v: 1,
  object: { bucket: 'uploads', key, etag },
  size: 0,
  contentType: null,
  source: 'bot',
  receivedAt: '2026-11-28T00:00:00Z',
  duplicateOfContent: false,
  detector: { name: 'residual-cooccurrence@23', score: -3, threshold: 0, signals: {} },
});

/** The stage on a bucket-like folder, with a model stage that passes everything and counts calls. */
async function stageOnFolder() {
  const root = await mkdtemp(path.join(tmpdir(), 'advscreen-infer-'));
  const store = new BucketLikeStore(root);
  const events: unknown[] = [];
  let inspected = 0;
  const deps: InferDependencies = {
    storeFor: () => store,
    model: {
      modelName: 'test-model@1',
      inputSize: 224,
      async inspect() {
        inspected++;
        return {
          prediction: { label: 'dog', probability: 0.9 },
          consistency: 0.1,
          translatedDistance: null,
          failure: null,
        };
      },
    },
    limits: { maxBytes: 5e6, maxPixels: 1e8, timeoutMs: 5000, analysisSize: 224 },
    quarantine: { store, prefix: 'held' },
    outcomes: createOutcomeWriter(store, 'results'),
    queues: { events: { add: async (_name: string, data: unknown) => events.push(data) } } as never,
  };
  const outcome = (key: string) =>
    readFile(path.join(root, `results/uploads/${key}.json`), 'utf8').then(JSON.parse);
  return { store, deps, events, outcome, inspected: () => inspected };
}

describe('inferObject', () => {
  it('runs the model on the queued version and writes its result', async () => {
    const { store, deps, events, outcome, inspected } = await stageOnFolder();
    const photo = await readFile(path.join(PHOTOS, 'dog_0.png'));
    await store.put('dog.png', photo);
    store.damagedReads = 1; // a broken transfer first: read again, not rejected
    await inferObject(inferJob('dog.png', md5(photo)), deps);
    expect(await outcome('dog.png')).toMatchObject({ verdict: 'clean', stage: 'inference' });
    expect([inspected(), events.length]).toEqual([1, 1]);
  });

  it('leaves a version overwritten since the detector passed it to its successor', async () => {
    const { store, deps, events, outcome, inspected } = await stageOnFolder();
    const passed = await readFile(path.join(PHOTOS, 'dog_0.png'));
    await store.put('dog.png', await readFile(path.join(PHOTOS, 'dog_0__PGD_8-255.png')));
    await inferObject(inferJob('dog.png', md5(passed)), deps);
    await expect(outcome('dog.png')).rejects.toThrow(/ENOENT/);
    expect([inspected(), events.length]).toEqual([0, 0]);
  });

  it('records an object deleted since the detector passed it, without retrying', async () => {
    const { deps, events, outcome, inspected } = await stageOnFolder();
    await inferObject(inferJob('gone.png', 'f'.repeat(32)), deps);
    expect(await outcome('gone.png')).toMatchObject({
      verdict: 'rejected',
      reason: 'read_failed',
      stage: 'inference',
    });
    expect([inspected(), events.length]).toEqual([0, 1]);
  });

  it('retries bytes the detector decoded but this decoder cannot, instead of rejecting them', async () => {
    const { store, deps, events, outcome } = await stageOnFolder();
    const cut = (await readFile(path.join(PHOTOS, 'dog_0.png'))).subarray(0, 5000);
    await store.put('cut.png', cut);
    await expect(inferObject(inferJob('cut.png', md5(cut)), deps)).rejects.toThrow(/inference could not/);
    await expect(outcome('cut.png')).rejects.toThrow(/ENOENT/);
    expect(events).toHaveLength(0);
  });
});
