import type { RgbImage, Signals } from '@advscreen/contracts';

export interface ImageScore {
  /** Higher means more likely adversarial. */
  score: number;
  signals: Signals;
}

/**
 * Anything that scores an analysis-size image for adversarial perturbation. Pure and
 * synchronous: the embedded scan and the detector worker call the same object.
 */
export interface Scorer {
  /** `<id>@<version>`, recorded with every verdict. */
  readonly name: string;
  /** Scores strictly above this are adversarial. */
  readonly threshold: number;
  /** `format` is the decoded file format (`jpeg`, `png`, ...), as some scorers differ by it. */
  score(image: RgbImage, format: string): ImageScore;
}
