import { RejectedInputError } from './rejected-input.ts';

/**
 * Transparent images are shown as a white page shows them, unless their partly transparent
 * pixels (alpha 16-239) carry a picture of their own. The alpha-channel attacks of AlphaDog (NDSS
 * 2025) hide one there: white pixels with a graded alpha draw a picture on a dark page and
 * nothing on a white one, and colours under a graded alpha show another picture to a model that
 * drops the alpha channel (as PIL's and OpenCV's RGB loading does). Honest translucency (glass,
 * wings, glows, shadows, anti-aliased edges) also looks different on a dark page, but it shows
 * the same shapes: its edges are where the white page's are. So the rule compares edges per
 * tile between what a white page shows, what a black page shows and the colour channels alone
 * (docs/detection.md, "Transparent images"; `bench:transparency` on 6,662 clip-art PNGs, 222
 * icons and AlphaDog-style files made from clean photos).
 */

/** Below this share of partly transparent pixels an image is composited without further checks. */
const CHECKED_SHARE = 0.1;
/** Above this share the image is refused outright: most of what it shows depends on the page. */
const REFUSED_SHARE = 0.5;
const TILE = 32;
/** A tile is examined when at least half its pixels are partly transparent. */
const TILE_PARTLY_SHARE = 0.5;
/** Mean gradient magnitude (grey levels per pixel) below which a view shows no shapes of its own. */
const MIN_STRUCTURE = 2;
/** A view whose edges correlate less than this with the white page's shows another picture. */
const MIN_EDGE_CORRELATION = 0.3;
/** Share of the image's tiles that may show another picture. */
const MAX_HIDING_TILES = 0.03;

/** Alpha 16-239 of 255: neither a page's colour nor the image's alone shows there. */
export function isPartlyTransparent(alpha: number): boolean {
  return alpha >= 16 && alpha <= 239;
}

/** Central-difference gradient magnitude of a grey plane; zero on the border. */
function gradientMagnitude(grey: Float64Array, width: number, height: number): Float64Array {
  const out = new Float64Array(width * height);
  for (let y = 1; y < height - 1; y++)
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      out[i] = Math.hypot(
        (grey[i + 1] as number) - (grey[i - 1] as number),
        (grey[i + width] as number) - (grey[i - width] as number),
      );
    }
  return out;
}

function correlation(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i++) {
    meanA += a[i] as number;
    meanB += b[i] as number;
  }
  meanA /= n;
  meanB /= n;
  let cov = 0;
  let varA = 0;
  let varB = 0;
  for (let i = 0; i < n; i++) {
    const da = (a[i] as number) - meanA;
    const db = (b[i] as number) - meanB;
    cov += da * db;
    varA += da * da;
    varB += db * db;
  }
  return varA === 0 || varB === 0 ? 0 : cov / Math.sqrt(varA * varB);
}

/**
 * Share of the image's tiles, mostly partly transparent, where a black page or the colour
 * channels alone show shapes that the white page does not.
 */
function hiddenPictureShare(rgba: Uint8Array, width: number, height: number): number {
  const count = width * height;
  const onWhite = new Float64Array(count);
  const onBlack = new Float64Array(count);
  const coloursOnly = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const alpha = (rgba[4 * i + 3] as number) / 255;
    const grey =
      0.299 * (rgba[4 * i] as number) +
      0.587 * (rgba[4 * i + 1] as number) +
      0.114 * (rgba[4 * i + 2] as number);
    coloursOnly[i] = grey;
    onBlack[i] = alpha * grey;
    onWhite[i] = alpha * grey + (1 - alpha) * 255;
  }
  const white = gradientMagnitude(onWhite, width, height);
  const others = [gradientMagnitude(onBlack, width, height), gradientMagnitude(coloursOnly, width, height)];
  const tilesX = Math.floor(width / TILE);
  const tilesY = Math.floor(height / TILE);
  let hiding = 0;
  for (let ty = 0; ty < tilesY; ty++)
    for (let tx = 0; tx < tilesX; tx++) {
      const pixels: number[] = [];
      let partly = 0;
      for (let y = ty * TILE; y < (ty + 1) * TILE; y++)
        for (let x = tx * TILE; x < (tx + 1) * TILE; x++) {
          const i = y * width + x;
          pixels.push(i);
          if (isPartlyTransparent(rgba[4 * i + 3] as number)) partly++;
        }
      if (partly < TILE_PARTLY_SHARE * pixels.length) continue;
      const whiteEdges = pixels.map((i) => white[i] as number);
      const shows = others.some((view) => {
        const edges = pixels.map((i) => view[i] as number);
        const structure = edges.reduce((sum, g) => sum + g, 0) / edges.length;
        return structure >= MIN_STRUCTURE && correlation(whiteEdges, edges) < MIN_EDGE_CORRELATION;
      });
      if (shows) hiding++;
    }
  return hiding / Math.max(1, tilesX * tilesY);
}

/**
 * RGBA to RGB as a white page shows it; refuses (`partly_transparent`) an image whose partly
 * transparent pixels show another picture on another page or to a model that drops alpha.
 * Opaque pixels are kept exactly, so an opaque image with an alpha channel scores as without it.
 */
export function compositeOverWhite(rgba: Uint8Array, width: number, height: number): Uint8Array {
  const count = width * height;
  let partly = 0;
  const rgb = new Uint8Array(count * 3);
  for (let i = 0; i < count; i++) {
    const alpha = rgba[4 * i + 3] as number;
    if (isPartlyTransparent(alpha)) partly++;
    for (let c = 0; c < 3; c++)
      rgb[3 * i + c] = Math.round(((rgba[4 * i + c] as number) * alpha + 255 * (255 - alpha)) / 255);
  }
  const share = partly / count;
  if (share <= CHECKED_SHARE) return rgb;
  const percent = `${(100 * share).toFixed(0)}% of the image is partly transparent`;
  if (share > REFUSED_SHARE)
    throw new RejectedInputError(
      'partly_transparent',
      `${percent} (over ${REFUSED_SHARE * 100}%): what it shows depends on the background it is drawn on`,
    );
  const hidden = hiddenPictureShare(rgba, width, height);
  if (hidden > MAX_HIDING_TILES)
    throw new RejectedInputError(
      'partly_transparent',
      `${percent}, and in ${(100 * hidden).toFixed(0)}% of it a dark page or the colour channels alone show shapes a white page does not: another picture hidden in the alpha channel`,
    );
  return rgb;
}
