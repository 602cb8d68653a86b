import { isLossyCoded, type RgbImage } from '@advscreen/contracts';
import { luminance, reusedPlane } from '../pixels.ts';
import type { ImageOrigin } from '../scorer.ts';
import { DCT_FEATURE_COUNT, DCT_FEATURES_ID, extractJpegDctFeatures } from './dct-features.ts';
import {
  extractResidualFeatures,
  MERGED_RESIDUAL_FEATURE_COUNT,
  mergeChromaDirections,
  RESIDUAL_FEATURE_COUNT,
} from './residual-features.ts';
import {
  extractLumaStripeFeatures,
  extractStripeFeatures,
  LUMA_STRIPE_FEATURE_COUNT,
  LUMA_STRIPE_FEATURES_ID,
  STRIPE_FEATURE_COUNT,
} from './stripe-features.ts';

/**
 * Which model scores an input. JPEG decoding leaves block-quantised, chroma-subsampled noise
 * statistics that a model fitted on lossless inputs misreads, so each family has its own. A
 * JPEG resized for analysis has had that noise averaged away and looks like the resized photos
 * the lossless model learned from: scored by the JPEG model, 3.5-10.6% of clean wallpaper
 * crops at 240-1024 px were flagged, by the lossless model 0-1.4% (bench:resized-lossy). Inputs
 * resized for analysis (not those only re-oriented: an orientation tag is no way around a
 * model) have a model of their own when the detector file has one (`resized`, on the lossless
 * features): an attack carried onto a large file reaches the analysis image smoothed, and
 * taught to the lossless model it cost that model its 224 px catch (docs/detection.md).
 * Without one they go to the lossless model.
 */
export const BRANCHES = [
  'lossless',
  'jpeg',
  'jpeg444',
  'jpeg422',
  'jpegFine',
  'jpeg444Fine',
  'jpeg422Fine',
  'webp',
  'avif',
  'palette',
  'grey',
  'resized',
  'resizedLossless',
  'luma',
  'graphics',
  'thumbnail',
] as const;
export type Branch = (typeof BRANCHES)[number];

/**
 * Mean luminance quantisation step below which a JPEG is finely quantised: IJG quality 96 and
 * above (4.6 at 96, 1 at 100; 5.8 at 95).
 */
export const FINE_QUANT_STEP = 5;

/**
 * JPEGs with full-resolution chroma (4:4:4) keep the chroma noise 4:2:0 averages away, so the
 * JPEG model, which learned from 4:2:0 files, read clean ones as perturbed (9.2% of the 19
 * other photos' crops at quality 70-95, against 0.4% as 4:2:0): they have a model of their
 * own (`jpeg444`). Finely quantised JPEGs (quality above 95) keep sensor noise that the models
 * trained at quality 70-95 read as perturbation (6.1% of those crops at 96-100 flagged as
 * 4:2:0, 18.0% as 4:4:4), and training one model on both ranges spread its false positives
 * over them: they have models of their own too (`jpegFine`, `jpeg444Fine`). 4:2:2 (chroma
 * halved across only: many cameras) keeps horizontal chroma detail the 4:2:0 model read as
 * perturbation too (8.8% of those crops written so): `jpeg422`, `jpeg422Fine`. Each falls back
 * to the nearest model a detector file has (NEAREST_BRANCH); JPEGs with other or unknown
 * subsampling are scored as 4:2:0. Lossy WebP (VP8) smooths a perturbation away much as JPEG
 * does, and the lossless model, trained on PNG, flagged none of the development corpus's
 * attacks written as WebP at quality 90: `webp`, on the lossless features (VP8 has no fixed
 * block grid and quantisation table to read as JPEG's). AVIF (AV1 intra frames) does the same and
 * the lossless model caught no attack written as AVIF at quality 50-80: `avif`, likewise. A
 * lossless AVIF (coded as RGB) holds the encoder's input pixels, as a PNG does: `lossless`.
 * Palette images (GIF, palette PNG) are dithered to at most 256 colours, noise the lossless model
 * reads as perturbation (43-45% of the development corpus's clean crops written so were flagged
 * by detector v15): `palette`, on the lossless features. Grey images (every pixel's channels
 * alike, whatever the format) have no chroma, and the colour models read no chroma noise as
 * clean: every attack written as a grayscale PNG or JPEG went through detector v17 (FGSM and PGD
 * at 2-16/255 0%, docs/detection.md): `grey`, on the lossless features, without a stripes head
 * (the stripes are chroma's), whatever the file's size: the resized model leans on chroma too
 * and gave grey files resized for analysis one score as well.
 */
export function branchOf(
  origin: Pick<ImageOrigin, 'format' | 'ownPixels' | 'jpegChroma'> &
    Partial<
      Pick<ImageOrigin, 'jpegQuantStep' | 'lossyWebp' | 'losslessAvif' | 'palette' | 'grey' | 'flatShare'>
    >,
): Branch {
  if (isGraphics(origin)) return 'graphics';
  if (origin.grey) return 'grey';
  if (!origin.ownPixels) return 'resized';
  if (origin.palette) return 'palette';
  if (origin.format === 'webp' && origin.lossyWebp) return 'webp';
  if (origin.format === 'avif') return origin.losslessAvif ? 'lossless' : 'avif';
  if (origin.format !== 'jpeg') return 'lossless';
  const fine = origin.jpegQuantStep != null && origin.jpegQuantStep < FINE_QUANT_STEP;
  if (origin.jpegChroma === '4:4:4') return fine ? 'jpeg444Fine' : 'jpeg444';
  if (origin.jpegChroma === '4:2:2') return fine ? 'jpeg422Fine' : 'jpeg422';
  return fine ? 'jpegFine' : 'jpeg';
}

/**
 * Share of identical neighbouring pixel pairs from which a losslessly stored input is taken for
 * a graphic (screenshot, diagram, chart, icon), not a photograph: photographs' sensor noise leaves
 * few (the development corpus's clean crops at most 0.33, the 19 other photos' 0.47), while 148
 * non-photographs found on this machine were at 0.57 and above in nine cases of ten, and FGSM on
 * them left at most 0.28 (a perturbation on every pixel breaks the flat areas up).
 */
export const GRAPHICS_FLAT_SHARE = 0.5;

/**
 * Graphics: the photographs' models read their sharp text and line edges (and subpixel-rendered
 * text's colour fringes) as perturbation, and flagged about a quarter of screenshots and figures
 * (docs/decisions/0016-graphics.md). Lossy files (JPEG, lossy WebP, lossy AVIF) keep their own
 * models: their coding noise leaves few flat pairs, and no graphics were trained on in them.
 * Palette files take the route too; the scorer asks the palette model about them as well.
 */
function isGraphics(
  origin: Pick<ImageOrigin, 'format'> &
    Partial<Pick<ImageOrigin, 'lossyWebp' | 'losslessAvif' | 'flatShare'>>,
): boolean {
  return !isLossyCoded(origin) && (origin.flatShare ?? 0) >= GRAPHICS_FLAT_SHARE;
}

/**
 * The optional branches and the model that takes their inputs where there is none of their own:
 * a detector file without it (older versions), or training data without both classes for it.
 */
export const NEAREST_BRANCH: Readonly<Partial<Record<Branch, Branch>>> = {
  resized: 'lossless',
  jpeg444: 'jpeg',
  jpeg422: 'jpeg',
  jpegFine: 'jpeg',
  jpeg444Fine: 'jpeg444',
  jpeg422Fine: 'jpeg422',
  webp: 'lossless',
  avif: 'lossless',
  palette: 'lossless',
  grey: 'lossless',
  graphics: 'lossless',
  thumbnail: 'lossless',
};

/**
 * Branches whose inputs a second model, on the same features, also scores; the larger score wins,
 * as between heads. AVIF: its own model reads weak FGSM and PGD better, the lossless model strong
 * FGSM and Square (on 19 other photos at AVIF 50-80, Square 4/255 caught 62% by the AVIF model
 * alone, 71% by the lossless one, 76% by the larger; no clean file flagged by either:
 * docs/decisions/0011-avif.md). Resized inputs: the resized model reads perturbations smoothed
 * by the upscale, the lossless one those an upscale left sharp (a 224 px attack upscaled whole by
 * an image tool: FGSM 16/255 caught 0-13% by the resized model, 81-83% by the lossless one);
 * `resizedLossless` is the lossless models at an operating point set on clean resized files,
 * which no input is routed to (docs/decisions/0013-resized-second-opinion.md).
 */
export const SECOND_OPINION: Readonly<Partial<Record<Branch, Branch>>> = {
  avif: 'lossless',
  resized: 'resizedLossless',
};

/**
 * Branches whose inputs' luminance the luminance model (`luma`, which no input is routed to) also
 * scores: the BT.601 luma of the analysis image (`roundedLuma`) on the lossless features, by a model
 * trained on grey files with grain among its clean ones. The colour models lean on chroma, and a
 * perturbation that moves each pixel's channels alike leaves chroma clean: the lossless model
 * ranked such attacks on the 19 other photos at AUROC 0.47-0.71 (docs/decisions/0015-luminance-model.md).
 * JPEG inputs are left out: the JPEG models read the luminance's DCT and caught them already.
 */
export const LUMA_OPINION: readonly Branch[] = ['lossless'];

/** The branch whose model scores a branch's inputs: its own where there is one, else the nearest that is. */
export function nearestAvailable(branch: Branch, available: (branch: Branch) => boolean): Branch {
  let nearest: Branch | undefined = branch;
  while (nearest && !available(nearest)) nearest = NEAREST_BRANCH[nearest];
  return nearest ?? 'lossless';
}

/**
 * The model that scores an input, given which branches a detector file has: its own branch's,
 * else the nearest. A graphic or grey input under a file without that model (graphics before
 * v20, grey before v18) is scored as it was then, as the branch it would have without that trait
 * (a grey JPEG by a JPEG model, a grey file resized for analysis by the resized one).
 */
export function scoringBranch(
  origin: Parameters<typeof branchOf>[0],
  available: (branch: Branch) => boolean,
) {
  let branch = branchOf(origin);
  if (branch === 'graphics' && !available(branch)) branch = branchOf({ ...origin, flatShare: 0 });
  if (branch === 'grey' && !available(branch)) branch = branchOf({ ...origin, flatShare: 0, grey: false });
  return nearestAvailable(branch, available);
}

/**
 * What a detector with a thumbnail model scores of a thumbnail (a file smaller than the analysis
 * size: imaging's DecodedImage.thumbnail): its own pixels. Upscaled to the analysis size, an
 * attack made on a 112 px file reached the detector smoothed, and v20 caught 0-2% of them (FGSM
 * and PGD 4-8/255), while on the file's own pixels the lossless model ranked them at AUROC
 * 0.99 but flagged 7-16% of clean thumbnails at its point (docs/decisions/0018-thumbnails.md).
 * Lossless colour thumbnails go to the thumbnail model, JPEGs to their JPEG model, on their own
 * blocks. Null, and the input is scored as before (upscaled, as files resized for analysis), when
 * the detector has no thumbnail model, for graphics and grey inputs (their models take any size),
 * and for palette, lossy WebP and lossy AVIF thumbnails (not measured on their own pixels).
 */
export function thumbnailView(
  origin: ImageOrigin,
  available: (branch: Branch) => boolean,
): { image: RgbImage; origin: ImageOrigin; branch: Branch } | null {
  const { thumbnail } = origin;
  if (!thumbnail || !available('thumbnail')) return null;
  const routed = scoringBranch(origin, available);
  if (routed === 'graphics' || routed === 'grey') return null;
  const own: ImageOrigin = { ...origin, ownPixels: true, jpegBlocks: thumbnail.jpegBlocks, picture: null };
  const branch = branchOf(own);
  if (branch === 'lossless') return { image: thumbnail.image, origin: own, branch: 'thumbnail' };
  if (isJpegBranch(branch))
    return { image: thumbnail.image, origin: own, branch: nearestAvailable(branch, available) };
  return null;
}

/**
 * What a detector scores of an input and by which model: a thumbnail's own pixels where
 * thumbnailView says so (`thumbnail: true`), else the analysis image by its scoring branch. The
 * scorer and training both route through it (the scorer then crops a picture inside bars).
 */
export function scoredView(
  analysis: RgbImage,
  origin: ImageOrigin,
  available: (branch: Branch) => boolean,
): { image: RgbImage; origin: ImageOrigin; branch: Branch; thumbnail: boolean } {
  const view = thumbnailView(origin, available);
  if (view) return { ...view, thumbnail: true };
  return { image: analysis, origin, branch: scoringBranch(origin, available), thumbnail: false };
}

/** Branches whose inputs are JPEGs on their own pixels, with JPEG features (quantisation, DCT, luminance stripes). */
export const isJpegBranch = (branch: Branch) => branch.startsWith('jpeg');

/** Branches of JPEGs with full-resolution (4:4:4) chroma. */
export const isFullChromaBranch = (branch: Branch) => branch === 'jpeg444' || branch === 'jpeg444Fine';

/** Branches of JPEGs with chroma halved across only (4:2:2). */
export const isHalfChromaBranch = (branch: Branch) => branch === 'jpeg422' || branch === 'jpeg422Fine';

/** The chroma subsamplings the JPEG branches are split by. */
export const JPEG_CHROMAS = ['4:2:0', '4:4:4', '4:2:2'] as const;
export type JpegBranchChroma = (typeof JPEG_CHROMAS)[number];

/** The chroma subsampling of a JPEG branch's inputs. */
export const chromaOfBranch = (branch: Branch): JpegBranchChroma =>
  isFullChromaBranch(branch) ? '4:4:4' : isHalfChromaBranch(branch) ? '4:2:2' : '4:2:0';

/** Branches of finely quantised JPEGs (quality above 95). */
export const isFineQuantBranch = (branch: Branch) => branch.endsWith('Fine');

/**
 * The JPEG branch also sees log(mean luminance quantisation step): a high-quality JPEG keeps
 * more sensor noise than a low-quality one, and without knowing the quality the model took
 * quality 95 clean photos for perturbed ones (6.6% false positives where 1% was intended) and
 * missed attacks re-encoded at quality 70-80 (docs/detection.md).
 */
export const JPEG_QUANT_FEATURE = 'log-luma-quant-step';
/**
 * And the luminance DCT features (dct-features.ts), as they are and times log(step), since what
 * a coefficient count means depends on the quality. Where the file's table cannot be read they
 * are missing (NaN), which the linear models read as the training mean: no evidence either way.
 */
export const JPEG_DENSE_FEATURES = `merged-chroma+${JPEG_QUANT_FEATURE}+${DCT_FEATURES_ID}(+x step)`;
/**
 * And its stripes head, beside the chroma stripes and the quantisation, the luminance stripes:
 * 4:2:0 chroma subsampling blurs Square's one-pixel chroma stripes, but luminance keeps them
 * (on the development corpus's clean JPEG and Square JPEG files, the luminance anti-correlation
 * alone ranks them at AUROC 0.97-1.00 where the chroma one gave 0.58-0.63).
 */
export const JPEG_STRIPES_FEATURES = `+${JPEG_QUANT_FEATURE}+${LUMA_STRIPE_FEATURES_ID}`;
/** For a JPEG whose tables could not be read: the IJG quality-90 step. */
const FALLBACK_QUANT_STEP = 11.5;

/**
 * Two heads score each input; the detector takes the larger. `dense`: residual co-occurrences,
 * for per-pixel perturbations (FGSM, PGD, CW). `stripes`: stripe features (chroma; on JPEG also
 * luminance), for query attacks that leave flat blocks and stripes (Square), which a dense model
 * learning both handled worse (docs/detection.md).
 */
export const HEADS = ['dense', 'stripes'] as const;
export type Head = (typeof HEADS)[number];

/** sign(x) log(1 + |x|): stripe features run from 0 to 25 8-bit steps with long tails. */
const signedLog = (x: number) => Math.sign(x) * Math.log1p(Math.abs(x));

const JPEG_HEAD_FEATURE_COUNTS = {
  dense: MERGED_RESIDUAL_FEATURE_COUNT + 1 + 2 * DCT_FEATURE_COUNT,
  stripes: STRIPE_FEATURE_COUNT + 1 + LUMA_STRIPE_FEATURE_COUNT,
};

/** How many features each head of a branch sees. */
export const headFeatureCounts = (branch: Branch): Record<Head, number> =>
  isJpegBranch(branch)
    ? JPEG_HEAD_FEATURE_COUNTS
    : { dense: RESIDUAL_FEATURE_COUNT, stripes: STRIPE_FEATURE_COUNT };

/** What a JPEG file adds to its pixels: its quantisation, and its DCT features when on its block grid. */
export interface JpegEvidence {
  quantStep: number | null;
  dct: Float64Array | null;
  /** Luminance stripe features, for inputs the JPEG branch scores. */
  lumaStripes: Float64Array | null;
}

const lumaPlane = reusedPlane();

/** `branch`: the model that will score the input (a detector may lack the one `branchOf` names). */
function jpegEvidence(image: RgbImage, origin: ImageOrigin, branch: Branch): JpegEvidence {
  const luma = isJpegBranch(branch) ? luminance(image, lumaPlane(image.width * image.height)) : null;
  return {
    quantStep: origin.jpegQuantStep,
    // Both feature sets read the luminance: computed once.
    dct: origin.jpegBlocks && luma ? extractJpegDctFeatures(luma, origin.jpegBlocks.lumaTable) : null,
    lumaStripes: luma ? extractLumaStripeFeatures(luma) : null,
  };
}

/** An input's features, as its branch's heads read them, with the two feature sets the scorer also reports. */
export interface InputFeatures {
  residual: Float64Array;
  stripes: Float64Array;
  heads: Record<Head, number[]>;
}

/** Every feature of an analysis image for `branch`: what the scorer and training both compute. */
export function inputFeatures(image: RgbImage, origin: ImageOrigin, branch: Branch): InputFeatures {
  const residual = extractResidualFeatures(image);
  const stripes = extractStripeFeatures(image);
  const jpeg = jpegEvidence(image, origin, branch);
  return { residual, stripes, heads: headFeatures(branch, residual, stripes, jpeg) };
}

const MISSING_DCT = new Float64Array(DCT_FEATURE_COUNT).fill(Number.NaN);
const MISSING_LUMA_STRIPES = new Float64Array(LUMA_STRIPE_FEATURE_COUNT).fill(Number.NaN);

/** The luminance stripe strengths on the same log scale as the chroma ones; the anti-correlation (-1 to 1) as it is. */
const lumaTerms = (jpeg: JpegEvidence) => {
  const [mean, top, horizontal, antiCorrelation] = jpeg.lumaStripes ?? MISSING_LUMA_STRIPES;
  return [
    signedLog(mean as number),
    signedLog(top as number),
    signedLog(horizontal as number),
    antiCorrelation as number,
  ];
};

/**
 * Each head's features for an input of a branch. The JPEG branch's dense head sees chroma
 * across and down merged, its quantisation and its DCT features; its stripes head its
 * quantisation too.
 */
export function headFeatures(
  branch: Branch,
  residual: Float64Array,
  stripes: Float64Array,
  jpeg: JpegEvidence,
): Record<Head, number[]> {
  if (!isJpegBranch(branch)) return { dense: [...residual], stripes: Array.from(stripes, signedLog) };
  const quantisation = Math.log(jpeg.quantStep ?? FALLBACK_QUANT_STEP);
  const dct = jpeg.dct ?? MISSING_DCT;
  return {
    dense: [
      ...mergeChromaDirections(residual),
      quantisation,
      ...dct,
      ...Array.from(dct, (v) => v * quantisation),
    ],
    stripes: [...Array.from(stripes, signedLog), quantisation, ...lumaTerms(jpeg)],
  };
}
