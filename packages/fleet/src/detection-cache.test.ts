import { describe, expect, it } from 'vitest';
import { detectionCacheNamespace } from './detection-cache.ts';

const limits = { maxBytes: 1000, maxPixels: 10_000, timeoutMs: 5000, analysisSize: 224 };
const scorer = { name: 'residual-cooccurrence@23', threshold: 0 };

describe('the detection cache', () => {
  it('files verdicts apart per detector, threshold and decode setting', () => {
    const base = detectionCacheNamespace(scorer, limits);
    expect(detectionCacheNamespace(scorer, { ...limits })).toBe(base);
    const others = [
      detectionCacheNamespace({ ...scorer, name: 'residual-cooccurrence@24' }, limits),
      detectionCacheNamespace({ ...scorer, threshold: -0.5 }, limits),
      // A deployment that stops taking WebP must not reuse a WebP's verdict.
      detectionCacheNamespace(scorer, { ...limits, acceptedFormats: ['jpeg', 'png'] }),
      detectionCacheNamespace(scorer, { ...limits, maxPixels: 5000 }),
      detectionCacheNamespace(scorer, { ...limits, analysisSize: 256 }),
    ];
    expect(new Set([base, ...others]).size).toBe(6);
  });
});
