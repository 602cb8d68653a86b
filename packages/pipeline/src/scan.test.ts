import type { ObjectInfo, ObjectStore } from '@advscreen/storage';
import { describe, expect, it } from 'vitest';
import { scanLocation } from './scan.ts';

const LIMITS = { maxBytes: 1 << 20, maxPixels: 1 << 24, timeoutMs: 5000, analysisSize: 224 };

/**
 * A store whose listing gives its second key only once the first has been read: a scan that
 * listed everything before screening would wait on it for good.
 */
function storeListingAfterReads(): ObjectStore & { reads: string[] } {
  const reads: string[] = [];
  let firstRead: () => void = () => {};
  const firstReadDone = new Promise<void>((resolve) => {
    firstRead = resolve;
  });
  const info = (key: string): ObjectInfo => ({
    key,
    size: 4,
    etag: undefined,
    contentType: undefined,
    metadata: {},
  });
  return {
    location: 'memory://listing',
    reads,
    async *list() {
      yield info('first.txt');
      await firstReadDone;
      yield info('second.txt');
    },
    async read(key) {
      reads.push(key);
      if (key === 'first.txt') firstRead();
      return Buffer.from('text');
    },
    head: async (key) => info(key),
    put: async () => {},
  };
}

describe('scanLocation', () => {
  it('screens what it has listed while the listing goes on, and says how many it found at the end', async () => {
    const store = storeListingAfterReads();
    const listedTotals: number[] = [];
    const summary = await scanLocation({
      source: { store, prefix: '' },
      scorer: { name: 'unused@1', threshold: 0, score: () => ({ score: 0, signals: {} }) },
      limits: LIMITS,
      concurrency: 1,
      onRecord: () => {},
      onListed: (total) => listedTotals.push(total),
    });
    expect(store.reads).toEqual(['first.txt', 'second.txt']);
    expect(listedTotals).toEqual([2]);
    expect(summary).toMatchObject({ total: 2, counts: { rejected: 2 } });
  });
});
