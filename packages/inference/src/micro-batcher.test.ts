import { afterEach, describe, expect, it, vi } from 'vitest';
import { MicroBatcher } from './micro-batcher.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('MicroBatcher', () => {
  it('runs a full batch at once and answers each caller with its own result', async () => {
    const batches: number[][] = [];
    const batcher = new MicroBatcher(
      async (items: number[]) => {
        batches.push(items);
        return items.map((n) => n * 10);
      },
      { maxBatch: 3, maxWaitMs: 10_000 },
    );
    const results = await Promise.all([1, 2, 3].map((n) => batcher.submit(n)));
    expect(results).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('runs a partial batch when the wait is over', async () => {
    vi.useFakeTimers();
    const batches: number[][] = [];
    const batcher = new MicroBatcher(
      async (items: number[]) => {
        batches.push(items);
        return items;
      },
      { maxBatch: 8, maxWaitMs: 5 },
    );
    const pending = Promise.all([batcher.submit(1), batcher.submit(2)]);
    expect(batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(5);
    expect(await pending).toEqual([1, 2]);
    expect(batches).toEqual([[1, 2]]);
  });

  it('fails every caller of a failed batch, and the next batch still runs', async () => {
    let calls = 0;
    const batcher = new MicroBatcher(
      async (items: number[]) => {
        calls++;
        if (calls === 1) throw new Error('session failed');
        return items;
      },
      { maxBatch: 2, maxWaitMs: 1 },
    );
    const first = [batcher.submit(1), batcher.submit(2)];
    await expect(first[0]).rejects.toThrow('session failed');
    await expect(first[1]).rejects.toThrow('session failed');
    expect(await batcher.submit(3)).toBe(3);
  });
});
