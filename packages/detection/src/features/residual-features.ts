import type { RgbImage } from '@advscreen/contracts';

/**
 * Residual co-occurrence features, after steganalysis rich models (SPAM: Pevny, Bas and
 * Fridrich 2010; SRM: Fridrich and Kodovsky 2012), which Liu et al. (CVPR 2019) showed detect
 * adversarial examples. Four 25-bin histograms, chosen by grouped cross-validation on the
 * development corpus (docs/detection.md):
 *
 * 1. cross-channel: joint histogram of first-order residuals of R (and of B) with those of G at
 *    the same pixel pair. Natural texture moves the channels together; optimised perturbations
 *    are computed per channel and decorrelate them.
 * 2. chroma, one histogram per direction: co-occurrence of adjacent first-order residuals of
 *    R-G and B-G. Demosaicing, JPEG chroma subsampling and resizing leave chroma smooth;
 *    perturbations add chroma noise. Clean photos' chroma is smoother across than down (likely
 *    horizontal-only chroma subsampling upstream), while a perturbation is the same both ways.
 * 3. colour: co-occurrence of adjacent first-order residuals within R, G and B (SPAM's first
 *    order), which carries what survives JPEG compression of a perturbation.
 *
 * Residuals are clipped to [-3, 3]; every histogram merges each bin with its sign-flipped twin.
 */
export const RESIDUAL_FEATURES_ID = 'residual-cooccurrence-100';
const T = 3;
const SIDE = 2 * T + 1;
const BINS = SIDE * SIDE;
const HALF = (BINS + 1) / 2;
export const RESIDUAL_FEATURE_COUNT = 4 * HALF;
/** What `mergeChromaDirections` leaves. */
export const MERGED_RESIDUAL_FEATURE_COUNT = 3 * HALF;

/** Residual r (in -510..510) clipped to [-T, T] and shifted to a bin index 0..2T. */
const CLIPPED_BIN = Int32Array.from({ length: 1021 }, (_, i) => Math.max(-T, Math.min(T, i - 510)) + T);

const bump = (counts: Int32Array, bin: number) => {
  counts[bin] = (counts[bin] as number) + 1;
};

function symmetriseInto(counts: Int32Array, out: Float64Array, offset: number): void {
  let total = 0;
  for (let i = 0; i < BINS; i++) total += counts[i] as number;
  const last = BINS - 1;
  for (let i = 0; i <= last / 2; i++) {
    const twin = last - i;
    out[offset + i] = ((counts[i] as number) + (i === twin ? 0 : (counts[twin] as number))) / (total || 1);
  }
}

/**
 * Two passes, horizontal then vertical. Each residual pair adds to `cross` (R with G, B with G
 * at the same pair of pixels); consecutive residuals along the direction add to that
 * direction's `chroma` (R-G, B-G) and to `colour` (R, G, B). Counts are integers, so the result is exact. Written as
 * one flat loop: this runs on every image (budget 3 ms at 224x224 on one core).
 */
export function extractResidualFeatures(image: RgbImage): Float64Array {
  const { width: w, height: h, data } = image;
  const cross = new Int32Array(BINS);
  const chromaByDirection = [new Int32Array(BINS), new Int32Array(BINS)];
  const colour = new Int32Array(BINS);
  // Bins of the previous residual along the direction (R-G, B-G, R, G, B), per column for vertical.
  const previous = new Int32Array(5 * w);
  for (let pass = 0; pass < 2; pass++) {
    const horizontal = pass === 0;
    const chroma = chromaByDirection[pass] as Int32Array;
    const rows = horizontal ? h : h - 1;
    const columns = horizontal ? w - 1 : w;
    const step = horizontal ? 3 : 3 * w;
    for (let y = 0; y < rows; y++) {
      const rowStart = 3 * y * w;
      for (let x = 0; x < columns; x++) {
        const p = rowStart + 3 * x;
        const q = p + step;
        const rR = (data[q] as number) - (data[p] as number);
        const rG = (data[q + 1] as number) - (data[p + 1] as number);
        const rB = (data[q + 2] as number) - (data[p + 2] as number);
        const bR = CLIPPED_BIN[rR + 510] as number;
        const bG = CLIPPED_BIN[rG + 510] as number;
        const bB = CLIPPED_BIN[rB + 510] as number;
        const b1 = CLIPPED_BIN[rR - rG + 510] as number;
        const b2 = CLIPPED_BIN[rB - rG + 510] as number;
        bump(cross, bR * SIDE + bG);
        bump(cross, bB * SIDE + bG);
        const slot = horizontal ? 0 : 5 * x;
        if (horizontal ? x > 0 : y > 0) {
          bump(chroma, (previous[slot] as number) * SIDE + b1);
          bump(chroma, (previous[slot + 1] as number) * SIDE + b2);
          bump(colour, (previous[slot + 2] as number) * SIDE + bR);
          bump(colour, (previous[slot + 3] as number) * SIDE + bG);
          bump(colour, (previous[slot + 4] as number) * SIDE + bB);
        }
        previous[slot] = b1;
        previous[slot + 1] = b2;
        previous[slot + 2] = bR;
        previous[slot + 3] = bG;
        previous[slot + 4] = bB;
      }
    }
  }
  const features = new Float64Array(RESIDUAL_FEATURE_COUNT);
  symmetriseInto(cross, features, 0);
  symmetriseInto(chromaByDirection[0] as Int32Array, features, HALF);
  symmetriseInto(chromaByDirection[1] as Int32Array, features, 2 * HALF);
  symmetriseInto(colour, features, 3 * HALF);
  return features;
}

/**
 * The features with chroma across and down merged into one histogram (their mean: the analysis
 * image is square, so both directions count as many pairs). The JPEG branch uses these: JPEG's
 * 4:2:0 subsampling smooths chroma alike in both directions, and with the directions apart its
 * model did worse (docs/detection.md).
 */
export function mergeChromaDirections(features: Float64Array): Float64Array {
  const merged = new Float64Array(MERGED_RESIDUAL_FEATURE_COUNT);
  merged.set(features.subarray(0, HALF));
  for (let i = 0; i < HALF; i++) {
    merged[HALF + i] = ((features[HALF + i] as number) + (features[2 * HALF + i] as number)) / 2;
  }
  merged.set(features.subarray(3 * HALF), 2 * HALF);
  return merged;
}

/**
 * Share of chroma residuals of magnitude 2 or more, the mean of both directions: a readable
 * summary recorded with each verdict (near 0 for smooth natural chroma, higher under
 * per-channel perturbation).
 */
export function chromaNoiseRate(features: Float64Array): number {
  // Chroma histogram bins are (a, b) pairs; count the pairs whose first residual |a| >= 2.
  let rate = 0;
  for (let i = 0; i < HALF; i++) {
    const a = Math.floor(i / SIDE) - T;
    if (Math.abs(a) >= 2) rate += (features[HALF + i] as number) + (features[2 * HALF + i] as number);
  }
  return rate / 2;
}
