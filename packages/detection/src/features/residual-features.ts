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

/**
 * Each kind of pair is tallied in a histogram of its own, summed at the end: on a flat region
 * consecutive increments hit the same bin, and in one shared histogram each waited for the last.
 */
const CROSS_RG = 0;
const CROSS_BG = BINS;
const CHROMA_RG = 2 * BINS;
const CHROMA_BG = 3 * BINS;
const COLOUR_R = 4 * BINS;
const COLOUR_G = 5 * BINS;
const COLOUR_B = 6 * BINS;
const TALLIES = 7;

function sumTallies(passes: readonly Int32Array[], offsets: readonly number[]): Int32Array {
  const counts = new Int32Array(BINS);
  for (const tallies of passes) {
    for (const offset of offsets) {
      for (let i = 0; i < BINS; i++) counts[i] = (counts[i] as number) + (tallies[offset + i] as number);
    }
  }
  return counts;
}

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
 * direction's `chroma` (R-G, B-G) and to `colour` (R, G, B). Counts are integers, so the result
 * is exact. Flat loops over the bytes: this runs on every image (budget 3 ms at 224x224 on one
 * core).
 */
export function extractResidualFeatures(image: RgbImage): Float64Array {
  const across = new Int32Array(TALLIES * BINS);
  const down = new Int32Array(TALLIES * BINS);
  countAcross(image, across);
  countDown(image, down);
  const features = new Float64Array(RESIDUAL_FEATURE_COUNT);
  symmetriseInto(sumTallies([across, down], [CROSS_RG, CROSS_BG]), features, 0);
  symmetriseInto(sumTallies([across], [CHROMA_RG, CHROMA_BG]), features, HALF);
  symmetriseInto(sumTallies([down], [CHROMA_RG, CHROMA_BG]), features, 2 * HALF);
  symmetriseInto(sumTallies([across, down], [COLOUR_R, COLOUR_G, COLOUR_B]), features, 3 * HALF);
  return features;
}

/** Residuals between horizontal neighbours; the previous one's bins are kept in slot 0. */
function countAcross(image: RgbImage, tallies: Int32Array): void {
  const { width: w, height: h, data } = image;
  const previous = new Int32Array(5);
  for (let y = 0; y < h; y++) {
    for (let x = 0, p = 3 * y * w; x < w - 1; x++, p += 3) {
      tallyResidual(data, p, p + 3, tallies, previous, 0, x > 0);
    }
  }
}

/** Residuals between vertical neighbours; the previous row's bins are kept per column. */
function countDown(image: RgbImage, tallies: Int32Array): void {
  const { width: w, height: h, data } = image;
  const previous = new Int32Array(5 * w);
  for (let y = 0; y < h - 1; y++) {
    for (let x = 0, p = 3 * y * w; x < w; x++, p += 3) {
      tallyResidual(data, p, p + 3 * w, tallies, previous, 5 * x, y > 0);
    }
  }
}

/**
 * Tallies the residual from pixel `p` to pixel `q` and, when there is one, its pairs with the
 * previous residual along the direction, whose bins (R-G, B-G, R, G, B) are at `previous[slot]`
 * and are replaced by this one's.
 */
function tallyResidual(
  data: Uint8Array,
  p: number,
  q: number,
  tallies: Int32Array,
  previous: Int32Array,
  slot: number,
  hasPrevious: boolean,
): void {
  const rR = (data[q] as number) - (data[p] as number);
  const rG = (data[q + 1] as number) - (data[p + 1] as number);
  const rB = (data[q + 2] as number) - (data[p + 2] as number);
  const bR = CLIPPED_BIN[rR + 510] as number;
  const bG = CLIPPED_BIN[rG + 510] as number;
  const bB = CLIPPED_BIN[rB + 510] as number;
  const bRG = CLIPPED_BIN[rR - rG + 510] as number;
  const bBG = CLIPPED_BIN[rB - rG + 510] as number;
  bump(tallies, CROSS_RG + bR * SIDE + bG);
  bump(tallies, CROSS_BG + bB * SIDE + bG);
  if (hasPrevious) {
    bump(tallies, CHROMA_RG + (previous[slot] as number) * SIDE + bRG);
    bump(tallies, CHROMA_BG + (previous[slot + 1] as number) * SIDE + bBG);
    bump(tallies, COLOUR_R + (previous[slot + 2] as number) * SIDE + bR);
    bump(tallies, COLOUR_G + (previous[slot + 3] as number) * SIDE + bG);
    bump(tallies, COLOUR_B + (previous[slot + 4] as number) * SIDE + bB);
  }
  previous[slot] = bRG;
  previous[slot + 1] = bBG;
  previous[slot + 2] = bR;
  previous[slot + 3] = bG;
  previous[slot + 4] = bB;
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
