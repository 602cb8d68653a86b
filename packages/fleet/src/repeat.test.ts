import { afterEach, describe, expect, it, vi } from 'vitest';
import { repeatUntilStopped } from './repeat.ts';

afterEach(() => {
  vi.useRealTimers();
});

describe('repeatUntilStopped', () => {
  it('runs at once, then an interval after each run ends, reporting failures and going on', async () => {
    vi.useFakeTimers();
    const starts: number[] = [];
    const errors: unknown[] = [];
    let release: (() => void) | undefined;
    const repeating = repeatUntilStopped(
      () => {
        starts.push(Date.now());
        if (starts.length === 2) return Promise.reject(new Error('listing failed'));
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
      1000,
      (error) => errors.push(error),
    );
    expect(starts).toHaveLength(1);
    // The first run is still going: no second one starts, however long it takes.
    await vi.advanceTimersByTimeAsync(5000);
    expect(starts).toHaveLength(1);
    release?.();
    await vi.advanceTimersByTimeAsync(1000);
    expect(starts).toEqual([starts[0], (starts[0] as number) + 6000]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(errors).toEqual([new Error('listing failed')]);
    expect(starts).toHaveLength(3);
    repeating.stop();
  });

  it('starts no run after stop, and leaves the failure of one in flight unreported', async () => {
    vi.useFakeTimers();
    let runs = 0;
    let fail: ((error: Error) => void) | undefined;
    const errors: unknown[] = [];
    const repeating = repeatUntilStopped(
      () => {
        runs++;
        return new Promise((_resolve, reject) => {
          fail = reject;
        });
      },
      1000,
      (error) => errors.push(error),
    );
    repeating.stop();
    fail?.(new Error('client destroyed'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toBe(1);
    expect(errors).toEqual([]);
  });
});
