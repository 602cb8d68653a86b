export {
  ARTICLE_THRESHOLD,
  ARTICLE_WEIGHTS,
  createArticleBaselineScorer,
  gradientCv,
  highFrequencyRatio,
  meanAbsKurtosis,
} from './article-baseline.ts';
export { magnitudeSpectrum } from './fft2d.ts';
export { toGray8 } from './pixels.ts';
export type { ImageScore, Scorer } from './scorer.ts';
