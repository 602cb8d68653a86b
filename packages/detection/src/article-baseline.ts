import type { RgbImage } from '@advscreen/contracts';
import { magnitudeSpectrum } from './fft2d.ts';
import { toGray8 } from './pixels.ts';
import type { ImageScore, Scorer } from './scorer.ts';

/**
 * The detector from the article advscreen started from ("AdversarialDetector", threshold 0.15),
 * ported faithfully as a baseline to measure against. Its weights and threshold were never
 * fitted to data; on real photos the gradient term alone usually exceeds the threshold.
 */
export const ARTICLE_WEIGHTS = { highFrequencyRatio: 0.4, gradientCv: 0.35, kurtosis: 0.25 } as const;
export const ARTICLE_THRESHOLD = 0.15;

/**
 * Share of spectral magnitude in the corner block `[0, h/4) x [0, w/4)` of the fftshifted
 * spectrum, i.e. where both frequencies are in the top quarter of the band.
 */
export function highFrequencyRatio(gray: ArrayLike<number>, width: number, height: number): number {
  const magnitude = magnitudeSpectrum(gray, width, height);
  // fftshift moves unshifted index k to (k + floor(n/2)) mod n.
  const shiftY = Math.floor(height / 2);
  const shiftX = Math.floor(width / 2);
  const blockH = Math.floor(Math.floor(height / 2) / 2);
  const blockW = Math.floor(Math.floor(width / 2) / 2);
  let total = 0;
  for (let i = 0; i < magnitude.length; i++) total += magnitude[i] as number;
  let corner = 0;
  for (let sy = 0; sy < blockH; sy++) {
    const y = (sy - shiftY + height) % height;
    for (let sx = 0; sx < blockW; sx++) {
      corner += magnitude[y * width + ((sx - shiftX + width) % width)] as number;
    }
  }
  return total > 0 ? corner / total : 0;
}

/** Reflect-101 border as OpenCV's default: index -1 reads 1, index n reads n-2. */
function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  if (i < 0) return -i;
  if (i >= n) return 2 * n - 2 - i;
  return i;
}

/** Coefficient of variation (std / mean) of the 3x3 Sobel gradient magnitude. */
export function gradientCv(gray: ArrayLike<number>, width: number, height: number): number {
  const at = (x: number, y: number) => gray[reflect101(y, height) * width + reflect101(x, width)] as number;
  let sum = 0;
  let sumSquares = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const gx =
        at(x + 1, y - 1) +
        2 * at(x + 1, y) +
        at(x + 1, y + 1) -
        at(x - 1, y - 1) -
        2 * at(x - 1, y) -
        at(x - 1, y + 1);
      const gy =
        at(x - 1, y + 1) +
        2 * at(x, y + 1) +
        at(x + 1, y + 1) -
        at(x - 1, y - 1) -
        2 * at(x, y - 1) -
        at(x + 1, y - 1);
      const magnitude = Math.sqrt(gx * gx + gy * gy);
      sum += magnitude;
      sumSquares += magnitude * magnitude;
    }
  }
  const n = width * height;
  const mean = sum / n;
  const std = Math.sqrt(Math.max(0, sumSquares / n - mean * mean));
  return std / (mean + 1e-8);
}

/** Mean over RGB channels of |excess kurtosis| (Fisher, biased, as scipy.stats.kurtosis). A flat channel counts 0. */
export function meanAbsKurtosis(image: RgbImage): number {
  const n = image.width * image.height;
  let total = 0;
  for (let c = 0; c < 3; c++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += (image.data[3 * i + c] as number) / 255;
    mean /= n;
    let m2 = 0;
    let m4 = 0;
    for (let i = 0; i < n; i++) {
      const d = (image.data[3 * i + c] as number) / 255 - mean;
      const d2 = d * d;
      m2 += d2;
      m4 += d2 * d2;
    }
    m2 /= n;
    m4 /= n;
    total += m2 > 0 ? Math.abs(m4 / (m2 * m2) - 3) : 0;
  }
  return total / 3;
}

export function createArticleBaselineScorer(threshold: number = ARTICLE_THRESHOLD): Scorer {
  return {
    name: 'article-baseline@1',
    threshold,
    score(image: RgbImage): ImageScore {
      const gray = toGray8(image);
      const signals = {
        highFrequencyRatio: highFrequencyRatio(gray, image.width, image.height),
        gradientCv: gradientCv(gray, image.width, image.height),
        kurtosis: meanAbsKurtosis(image),
      };
      const score =
        ARTICLE_WEIGHTS.highFrequencyRatio * signals.highFrequencyRatio +
        ARTICLE_WEIGHTS.gradientCv * signals.gradientCv +
        ARTICLE_WEIGHTS.kurtosis * signals.kurtosis;
      return { score, signals };
    },
  };
}
