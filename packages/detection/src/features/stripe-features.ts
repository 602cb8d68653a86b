import type { RgbImage } from '@advscreen/contracts';
import type { LumaPlane } from '../pixels.ts';

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
 * 8/255) for a sixth of the time (0.4 ms per 224x224 image against 2.2 ms).
 *
 * Photos have vertical chroma structure too (brushes, streaks, wood), but wider than a pixel.
 * Square's stripes are one pixel wide with independent signs, so consecutive steps between
 * column means are anti-correlated (-0.5 for random stripes, -1 for alternating ones) where a
 * photo's are not. The anti-correlation, averaged over the tiles with the strongest stripes, is
 * what separates them: with it Square PNG at 8/255 went from 42% to 92% at 1% FPR over 77
 * source images (docs/detection.md).
 *
 * Features per plane: the mean over tiles, the mean of the top quarter of tiles (stripes survive
 * only where no square was drawn), the top quarter of the swapped measure (horizontal stripes),
 * and the step anti-correlation of the top-quarter tiles. Chosen on the development corpus with
 * Square attacks made by `advscreen attack square` (docs/detection.md).
 */
export const STRIPE_FEATURES_ID = 'chroma-stripes-8';
export const STRIPE_FEATURE_COUNT = 8;
const TILE = 32;

/** Indices of the top quarter of `values` (at least one), largest first. */
function topQuarter(values: readonly number[]): number[] {
  const order = values.map((_, i) => i).sort((a, b) => (values[b] as number) - (values[a] as number));
  return order.slice(0, Math.max(1, order.length >> 2));
}

const meanAt = (values: readonly number[], indices: readonly number[]) =>
  indices.reduce((sum, i) => sum + (values[i] as number), 0) / indices.length;

/** Per tile: vertical stripe strength, horizontal stripe strength, step anti-correlation. */
interface TileMeasures {
  vertical: number[];
  horizontal: number[];
  antiCorrelation: number[];
}

const noTiles = (): TileMeasures => ({ vertical: [], horizontal: [], antiCorrelation: [] });

/**
 * Adds one tile's measures, from the sums of each of its tile + 1 columns over its rows
 * (`columnSums`) and of each of its tile + 1 rows over its columns (`rowSums`).
 */
function addTile(columnSums: Float64Array, rowSums: Float64Array, tile: number, into: TileMeasures): void {
  let columns = 0;
  let rows = 0;
  let lagged = 0;
  let energy = 0;
  for (let i = 0; i < tile; i++) {
    const step = (columnSums[i + 1] as number) - (columnSums[i] as number);
    columns += Math.abs(step);
    rows += Math.abs((rowSums[i + 1] as number) - (rowSums[i] as number));
    if (i + 1 < tile) {
      lagged += step * ((columnSums[i + 2] as number) - (columnSums[i + 1] as number));
      energy += step * step;
    }
  }
  into.antiCorrelation.push(energy > 0 ? -lagged / energy : 0);
  // Sums of `tile` values each: divide once for the means, once for the mean over steps.
  into.vertical.push((columns - rows) / (tile * tile));
  into.horizontal.push((rows - columns) / (tile * tile));
}

/** Calls `sumTile` with the top-left corner of every whole tile (with one pixel beyond it right and below). */
function forEachTile(w: number, h: number, tile: number, sumTile: (tx: number, ty: number) => void): void {
  for (let ty = 0; ty + tile < h; ty += tile) {
    for (let tx = 0; tx + tile < w; tx += tile) sumTile(tx, ty);
  }
}

/** [mean over tiles, top-quarter mean, top-quarter horizontal, top-quarter anti-correlation]. */
function summarise({ vertical, horizontal, antiCorrelation }: TileMeasures): number[] {
  const strongest = topQuarter(vertical);
  return [
    vertical.reduce((a, b) => a + b, 0) / vertical.length,
    meanAt(vertical, strongest),
    meanAt(horizontal, topQuarter(horizontal)),
    meanAt(antiCorrelation, strongest),
  ];
}

const tileFor = (image: { width: number; height: number }) =>
  Math.min(TILE, image.width - 1, image.height - 1);

/**
 * R-G and B-G are summed straight from the pixels, both in one pass, without chroma planes:
 * writing and re-reading two 400 KB planes per 224x224 image cost more than the sums. The sums
 * are of integers, so exact in any order.
 */
export function extractStripeFeatures(image: RgbImage): Float64Array {
  const { width: w, height: h, data } = image;
  const features = new Float64Array(STRIPE_FEATURE_COUNT);
  const tile = tileFor(image);
  if (tile < 2) return features;
  const red = noTiles();
  const blue = noTiles();
  const redColumns = new Float64Array(tile + 1);
  const redRows = new Float64Array(tile + 1);
  const blueColumns = new Float64Array(tile + 1);
  const blueRows = new Float64Array(tile + 1);
  // Each tile's sums of R-G (red) and B-G (blue): its columns over its rows, with the column
  // past it; its rows over its columns, with the row below it.
  forEachTile(w, h, tile, (tx, ty) => {
    redColumns.fill(0);
    blueColumns.fill(0);
    for (let y = 0; y < tile; y++) {
      let at = 3 * ((ty + y) * w + tx);
      let redRow = 0;
      let blueRow = 0;
      for (let x = 0; x < tile; x++, at += 3) {
        const g = data[at + 1] as number;
        const r = (data[at] as number) - g;
        const b = (data[at + 2] as number) - g;
        redColumns[x] = (redColumns[x] as number) + r;
        blueColumns[x] = (blueColumns[x] as number) + b;
        redRow += r;
        blueRow += b;
      }
      redColumns[tile] = (redColumns[tile] as number) + (data[at] as number) - (data[at + 1] as number);
      blueColumns[tile] = (blueColumns[tile] as number) + (data[at + 2] as number) - (data[at + 1] as number);
      redRows[y] = redRow;
      blueRows[y] = blueRow;
    }
    let redRow = 0;
    let blueRow = 0;
    for (let x = 0, at = 3 * ((ty + tile) * w + tx); x < tile; x++, at += 3) {
      redRow += (data[at] as number) - (data[at + 1] as number);
      blueRow += (data[at + 2] as number) - (data[at + 1] as number);
    }
    redRows[tile] = redRow;
    blueRows[tile] = blueRow;
    addTile(redColumns, redRows, tile, red);
    addTile(blueColumns, blueRows, tile, blue);
  });
  const [redMean, redTop, redHorizontal, redAnti] = summarise(red) as [number, number, number, number];
  const [blueMean, blueTop, blueHorizontal, blueAnti] = summarise(blue) as [number, number, number, number];
  features.set([redMean, redTop, redHorizontal, blueMean, blueTop, blueHorizontal, redAnti, blueAnti]);
  return features;
}

/**
 * The same four measures on luminance (BT.601): JPEG keeps luminance at full resolution, so
 * Square's one-pixel stripes, which 4:2:0 chroma subsampling blurs away, survive there
 * (R, G and B stripes are drawn independently, so luminance carries their weighted sum).
 */
export const LUMA_STRIPE_FEATURES_ID = 'luma-stripes-4';
export const LUMA_STRIPE_FEATURE_COUNT = 4;
export function extractLumaStripeFeatures(luma: LumaPlane): Float64Array {
  const tile = tileFor(luma);
  if (tile < 2) return new Float64Array(LUMA_STRIPE_FEATURE_COUNT);
  const { width: w, height: h, data: plane } = luma;
  const measures = noTiles();
  const columnSums = new Float64Array(tile + 1);
  const rowSums = new Float64Array(tile + 1);
  forEachTile(w, h, tile, (tx, ty) => {
    columnSums.fill(0);
    for (let y = 0; y < tile; y++) {
      const row = (ty + y) * w + tx;
      let rowSum = 0;
      for (let x = 0; x < tile; x++) {
        const value = plane[row + x] as number;
        columnSums[x] = (columnSums[x] as number) + value;
        rowSum += value;
      }
      columnSums[tile] = (columnSums[tile] as number) + (plane[row + tile] as number);
      rowSums[y] = rowSum;
    }
    const lastRow = (ty + tile) * w + tx;
    let lastRowSum = 0;
    for (let x = 0; x < tile; x++) lastRowSum += plane[lastRow + x] as number;
    rowSums[tile] = lastRowSum;
    addTile(columnSums, rowSums, tile, measures);
  });
  return Float64Array.from(summarise(measures));
}
