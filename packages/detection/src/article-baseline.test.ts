import type { RgbImage } from '@advscreen/contracts';
import { describe, expect, it } from 'vitest';
import {
  ARTICLE_THRESHOLD,
  createArticleBaselineScorer,
  gradientCv,
  highFrequencyRatio,
  meanAbsKurtosis,
} from './article-baseline.ts';
import { toGray8 } from './pixels.ts';

// An 8x6 RGB ramp, data[i] = (i*37) mod 256. Expected values were computed independently with
// numpy/scipy: OpenCV's fixed-point RGB2GRAY, np.fft, np.pad(mode='reflect') for the Sobel
// border, scipy.stats.kurtosis.
const ramp: RgbImage = {
  width: 8,
  height: 6,
  data: Uint8Array.from({ length: 8 * 6 * 3 }, (_, i) => (i * 37) % 256),
};

describe('article baseline signals', () => {
  it('converts to gray as OpenCV does', () => {
    expect(Array.from(toGray8(ramp).slice(0, 8))).toEqual([30, 141, 73, 107, 189, 73, 184, 39]);
  });

  it('computes the high-frequency ratio of the fftshifted corner block', () => {
    expect(highFrequencyRatio(toGray8(ramp), 8, 6)).toBeCloseTo(0.13345862493145297, 9);
  });

  it('computes the Sobel gradient coefficient of variation with reflect-101 borders', () => {
    expect(gradientCv(toGray8(ramp), 8, 6)).toBeCloseTo(0.6332584969876287, 9);
  });

  it('computes mean absolute excess kurtosis over channels', () => {
    expect(meanAbsKurtosis(ramp)).toBeCloseTo(1.1949515, 5);
  });

  it('gives a flat image zero gradient and kurtosis terms', () => {
    const flat: RgbImage = { width: 4, height: 4, data: new Uint8Array(48).fill(128) };
    const { signals } = createArticleBaselineScorer().score(flat, {
      format: 'png',
      jpegQuantStep: null,
      ownPixels: true,
      jpegBlocks: null,
    });
    expect(signals.gradientCv).toBe(0);
    expect(signals.kurtosis).toBe(0);
    expect(signals.highFrequencyRatio).toBe(0);
  });

  it('combines the signals with the article weights against its 0.15 threshold', () => {
    const scorer = createArticleBaselineScorer();
    const { score, signals } = scorer.score(ramp, {
      format: 'png',
      jpegQuantStep: null,
      ownPixels: true,
      jpegBlocks: null,
    });
    expect(scorer.threshold).toBe(ARTICLE_THRESHOLD);
    expect(score).toBeCloseTo(
      0.4 * (signals.highFrequencyRatio as number) +
        0.35 * (signals.gradientCv as number) +
        0.25 * (signals.kurtosis as number),
      12,
    );
  });
});
