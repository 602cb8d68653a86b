import type { RgbImage } from '@advscreen/contracts';

/**
 * Chroma stripe features, for query attacks such as Square Attack (Andriushchenko et al. 2020).
 * Square starts from vertical stripes of +-eps drawn per channel and column, then overwrites
 * random squares with constant +-eps blocks: a perturbation made of flat regions and straight
 * edges, which the residual co-occurrences barely see (AUROC 0.52-0.65 on PNG). What it leaves is
 * a column-constant step in the chroma planes: in a column of a stripe region, the horizontal
 * difference of R-G (or B-G) has the same non-zero value on every row. Natural images rarely do
 * that in chroma, and vertical texture shows in luminance, not chroma.
 *
 * Per 32x32 tile and chroma plane: the mean over columns of |mean over the tile's rows of the
 * horizontal difference| (the steps between the tile's column means), less the same with rows
 * and columns swapped. Means, not medians: the same AUROC on Square (0.989 against 0.986 at
 * 8/255) for a sixth of the time (0.4 ms per 224x224 image against 2.2 ms). Features per plane: the
 * mean over tiles, the mean of the top quarter of tiles (stripes survive only where no square
 * was drawn), and the top quarter of the swapped measure (horizontal stripes). Chosen on the
 * development corpus with Square attacks made by `advscreen attack square` (docs/detection.md).
 */
export const STRIPE_FEATURES_ID = 'chroma-stripes-6';
export const STRIPE_FEATURE_COUNT = 6;
const TILE = 32;

function meanOfTopQuarter(values: number[]): number {
  const sorted = [...values].sort((a, b) => b - a);
  const k = Math.max(1, sorted.length >> 2);
  let sum = 0;
  for (let i = 0; i < k; i++) sum += sorted[i] as number;
  return sum / k;
}

export function extractStripeFeatures(image: RgbImage): Float64Array {
  const { width: w, height: h, data } = image;
  const features = new Float64Array(STRIPE_FEATURE_COUNT);
  const tile = Math.min(TILE, w - 1, h - 1);
  if (tile < 2) return features;
  const plane = new Int32Array(w * h);
  // Means of the tile's rows over each of tile + 1 columns, and of its columns over tile + 1 rows.
  const columnMeans = new Float64Array(tile + 1);
  const rowMeans = new Float64Array(tile + 1);
  for (const [p, other] of [
    [0, 1],
    [2, 1],
  ] as const) {
    for (let i = 0; i < w * h; i++) plane[i] = (data[3 * i + p] as number) - (data[3 * i + other] as number);
    const vertical: number[] = [];
    const horizontal: number[] = [];
    for (let ty = 0; ty + tile < h; ty += tile) {
      for (let tx = 0; tx + tile < w; tx += tile) {
        columnMeans.fill(0);
        rowMeans.fill(0);
        for (let y = 0; y <= tile; y++) {
          const row = (ty + y) * w + tx;
          for (let x = 0; x <= tile; x++) {
            const value = plane[row + x] as number;
            if (y < tile) columnMeans[x] = (columnMeans[x] as number) + value;
            if (x < tile) rowMeans[y] = (rowMeans[y] as number) + value;
          }
        }
        let columns = 0;
        let rows = 0;
        for (let i = 0; i < tile; i++) {
          columns += Math.abs((columnMeans[i + 1] as number) - (columnMeans[i] as number));
          rows += Math.abs((rowMeans[i + 1] as number) - (rowMeans[i] as number));
        }
        // Sums of `tile` values each: divide once for the means, once for the mean over steps.
        vertical.push((columns - rows) / (tile * tile));
        horizontal.push((rows - columns) / (tile * tile));
      }
    }
    const base = p === 0 ? 0 : 3;
    features[base] = vertical.reduce((a, b) => a + b, 0) / vertical.length;
    features[base + 1] = meanOfTopQuarter(vertical);
    features[base + 2] = meanOfTopQuarter(horizontal);
  }
  return features;
}
