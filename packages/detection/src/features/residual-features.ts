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
 * Per direction, three joint histograms with one increment each per residual pair, split into
 * the features' 49-bin histograms at the end: CROSS_B over the (R, G, B) residuals of one pair
 * of pixels and the B residual of the pair before it (bin NO_B_BEFORE for the first pair);
 * CHROMA over the (R-G, B-G) residuals of two consecutive pairs; COLOUR_RG over the R and G
 * residuals of two consecutive pairs. Seven 49-bin histograms took seven increments per pair.
 * Counts are integers either way, so the features are identical.
 */
const NO_B_BEFORE = SIDE;
const CROSS_B = 0;
const CHROMA = (SIDE + 1) * SIDE * BINS;
const COLOUR_RG = CHROMA + BINS * BINS;
const TALLY_LENGTH = COLOUR_RG + BINS * BINS;

/** Bin of CROSS_B for B's bin before, and the (R, G) bins (`colour`) and B bin of this pair. */
const crossBin = (bBefore: number, colour: number, b: number) =>
  CROSS_B + (bBefore * BINS + colour) * SIDE + b;

/** Adds CROSS_B to `cross` as its (R, G) and (B, G) histograms and to `colourB` as (B before, B). */
function addCrossB(tallies: Int32Array, cross: Int32Array, colourB: Int32Array): void {
  for (let bBefore = 0; bBefore <= NO_B_BEFORE; bBefore++) {
    for (let colour = 0; colour < BINS; colour++) {
      const r = Math.floor(colour / SIDE);
      const g = colour % SIDE;
      for (let b = 0; b < SIDE; b++) {
        const n = tallies[crossBin(bBefore, colour, b)] as number;
        if (n === 0) continue;
        cross[r * SIDE + g] = (cross[r * SIDE + g] as number) + n;
        cross[b * SIDE + g] = (cross[b * SIDE + g] as number) + n;
        if (bBefore !== NO_B_BEFORE)
          colourB[bBefore * SIDE + b] = (colourB[bBefore * SIDE + b] as number) + n;
      }
    }
  }
}

/**
 * Adds a joint histogram over ((x1, y1) before, (x2, y2) after) at `offset` to `counts` as the
 * histograms of (x1, x2) and of (y1, y2).
 */
function addPairs(tallies: Int32Array, offset: number, counts: Int32Array): void {
  for (let i = 0; i < BINS * BINS; i++) {
    const n = tallies[offset + i] as number;
    if (n === 0) continue;
    const before = Math.floor(i / BINS);
    const after = i % BINS;
    const first = Math.floor(before / SIDE) * SIDE + Math.floor(after / SIDE);
    const second = (before % SIDE) * SIDE + (after % SIDE);
    counts[first] = (counts[first] as number) + n;
    counts[second] = (counts[second] as number) + n;
  }
}

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
 * direction's `chroma` (R-G, B-G) and to `colour` (R, G, B). Flat loops over the bytes: this
 * runs on every image (budget 3 ms at 224x224 on one core).
 */
export function extractResidualFeatures(image: RgbImage): Float64Array {
  const across = new Int32Array(TALLY_LENGTH);
  const down = new Int32Array(TALLY_LENGTH);
  countAcross(image, across);
  countDown(image, down);
  const features = new Float64Array(RESIDUAL_FEATURE_COUNT);
  const cross = new Int32Array(BINS);
  const colour = new Int32Array(BINS);
  addCrossB(across, cross, colour);
  addCrossB(down, cross, colour);
  symmetriseInto(cross, features, 0);
  const chromaAcross = new Int32Array(BINS);
  addPairs(across, CHROMA, chromaAcross);
  symmetriseInto(chromaAcross, features, HALF);
  const chromaDown = new Int32Array(BINS);
  addPairs(down, CHROMA, chromaDown);
  symmetriseInto(chromaDown, features, 2 * HALF);
  addPairs(across, COLOUR_RG, colour);
  addPairs(down, COLOUR_RG, colour);
  symmetriseInto(colour, features, 3 * HALF);
  return features;
}

/**
 * What `extractResidualFeatures` gives for a grey image (every pixel's three channels equal to
 * `grey`), from the one plane and about a third of the work: the luminance model scores every
 * lossless colour input's luma (residual-scorer.ts). With the channels alike, every residual is
 * the same in R, G and B: the cross-channel histogram holds the residuals' own distribution on its
 * diagonal, both chroma histograms all their pairs in the zero bin, and the colour histogram the
 * pairs of consecutive residuals. Each count is a whole multiple of the general count, so the
 * normalised features are identical (a unit test compares them).
 */
export function extractGreyResidualFeatures(grey: Uint8Array, width: number, height: number): Float64Array {
  // Pairs of consecutive residuals along each direction, and each row's and column's first
  // residual: every residual is one pair's second or a first, so the residuals' own distribution
  // is summed from these at the end instead of counted (a third fewer increments).
  const colour = new Int32Array(BINS);
  const first = new Int32Array(SIDE);
  const binOf = (p: number, q: number) =>
    CLIPPED_BIN[(grey[q] as number) - (grey[p] as number) + 510] as number;
  if (width >= 2) {
    for (let y = 0; y < height; y++) {
      let p = y * width;
      let before = binOf(p, p + 1);
      bump(first, before);
      for (p++; p < (y + 1) * width - 1; p++) {
        const bin = binOf(p, p + 1);
        bump(colour, before * SIDE + bin);
        before = bin;
      }
    }
  }
  if (height >= 2) {
    const above = new Int32Array(width);
    for (let x = 0; x < width; x++) {
      above[x] = binOf(x, x + width);
      bump(first, above[x] as number);
    }
    for (let p = width; p < (height - 1) * width; p++) {
      const x = p % width;
      const bin = binOf(p, p + width);
      bump(colour, (above[x] as number) * SIDE + bin);
      above[x] = bin;
    }
  }
  const cross = new Int32Array(BINS);
  for (let bin = 0; bin < SIDE; bin++) {
    let residuals = first[bin] as number;
    for (let before = 0; before < SIDE; before++) residuals += colour[before * SIDE + bin] as number;
    cross[bin * SIDE + bin] = residuals;
  }
  const zeroChroma = (pairs: number) => {
    const counts = new Int32Array(BINS);
    counts[(BINS - 1) / 2] = pairs;
    return counts;
  };
  const features = new Float64Array(RESIDUAL_FEATURE_COUNT);
  symmetriseInto(cross, features, 0);
  symmetriseInto(zeroChroma(height * Math.max(0, width - 2)), features, HALF);
  symmetriseInto(zeroChroma(width * Math.max(0, height - 2)), features, 2 * HALF);
  symmetriseInto(colour, features, 3 * HALF);
  return features;
}

/** Residuals between horizontal neighbours. */
function countAcross(image: RgbImage, tallies: Int32Array): void {
  const { width: w, height: h, data } = image;
  for (let y = 0; y < h; y++) {
    let before = NO_RESIDUAL;
    for (let x = 0, p = 3 * y * w; x < w - 1; x++, p += 3) {
      before = tallyResidual(data, p, p + 3, tallies, before);
    }
  }
}

/** Residuals between vertical neighbours; the previous row's are kept per column. */
function countDown(image: RgbImage, tallies: Int32Array): void {
  const { width: w, height: h, data } = image;
  const above = new Int32Array(w).fill(NO_RESIDUAL);
  for (let y = 0; y < h - 1; y++) {
    for (let x = 0, p = 3 * y * w; x < w; x++, p += 3) {
      above[x] = tallyResidual(data, p, p + 3 * w, tallies, above[x] as number);
    }
  }
}

/** The first residual along a row or column has none before it: packed, B's bin is NO_B_BEFORE. */
const NO_RESIDUAL = NO_B_BEFORE;

/**
 * Tallies the residual from pixel `p` to pixel `q` and its pairs with the residual `before` it
 * along the direction, if any. Returns this residual's bins packed into one number, as `before`
 * is: (R-G, B-G) from bit 10, (R, G) in bits 4-9, B in bits 0-3.
 */
function tallyResidual(data: Uint8Array, p: number, q: number, tallies: Int32Array, before: number): number {
  const rR = (data[q] as number) - (data[p] as number);
  const rG = (data[q + 1] as number) - (data[p + 1] as number);
  const rB = (data[q + 2] as number) - (data[p + 2] as number);
  const bB = CLIPPED_BIN[rB + 510] as number;
  const colour = (CLIPPED_BIN[rR + 510] as number) * SIDE + (CLIPPED_BIN[rG + 510] as number);
  const chroma = (CLIPPED_BIN[rR - rG + 510] as number) * SIDE + (CLIPPED_BIN[rB - rG + 510] as number);
  bump(tallies, crossBin(before & 15, colour, bB));
  if (before !== NO_RESIDUAL) {
    bump(tallies, CHROMA + (before >> 10) * BINS + chroma);
    bump(tallies, COLOUR_RG + ((before >> 4) & 63) * BINS + colour);
  }
  return (chroma << 10) | (colour << 4) | bB;
}

const bump = (counts: Int32Array, bin: number) => {
  counts[bin] = (counts[bin] as number) + 1;
};

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
