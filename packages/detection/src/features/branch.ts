import {
  MERGED_RESIDUAL_FEATURE_COUNT,
  mergeChromaDirections,
  RESIDUAL_FEATURE_COUNT,
} from './residual-features.ts';
import { STRIPE_FEATURE_COUNT } from './stripe-features.ts';

/**
 * Which model scores an input. JPEG decoding leaves block-quantised, chroma-subsampled noise
 * statistics that a model fitted on lossless inputs misreads, so each family has its own.
 */
export type Branch = 'jpeg' | 'lossless';

export function branchOf(format: string): Branch {
  return format === 'jpeg' ? 'jpeg' : 'lossless';
}

/**
 * The JPEG branch also sees log(mean luminance quantisation step): a high-quality JPEG keeps
 * more sensor noise than a low-quality one, and without knowing the quality the model took
 * quality 95 clean photos for perturbed ones (6.6% false positives where 1% was intended) and
 * missed attacks re-encoded at quality 70-80 (docs/detection.md).
 */
export const JPEG_QUANT_FEATURE = 'log-luma-quant-step';
/** For a JPEG whose tables could not be read: the IJG quality-90 step. */
const FALLBACK_QUANT_STEP = 11.5;

/**
 * Two heads score each input; the detector takes the larger. `dense`: residual co-occurrences,
 * for per-pixel perturbations (FGSM, PGD, CW). `stripes`: chroma stripe features, for query
 * attacks that leave flat blocks and stripes (Square), which a dense model learning both
 * handled worse (docs/detection.md).
 */
export const HEADS = ['dense', 'stripes'] as const;
export type Head = (typeof HEADS)[number];

/** sign(x) log(1 + |x|): stripe features run from 0 to 25 8-bit steps with long tails. */
const signedLog = (x: number) => Math.sign(x) * Math.log1p(Math.abs(x));

/** How many features each head of a branch sees. */
export const HEAD_FEATURE_COUNTS: Record<Branch, Record<Head, number>> = {
  lossless: { dense: RESIDUAL_FEATURE_COUNT, stripes: STRIPE_FEATURE_COUNT },
  jpeg: { dense: MERGED_RESIDUAL_FEATURE_COUNT + 1, stripes: STRIPE_FEATURE_COUNT + 1 },
};

/**
 * Each head's features for an input of a branch. The JPEG branch's dense head sees chroma
 * across and down merged; both its heads also see its quantisation.
 */
export function headFeatures(
  branch: Branch,
  residual: Float64Array,
  stripes: Float64Array,
  jpegQuantStep: number | null,
): Record<Head, number[]> {
  if (branch === 'lossless') return { dense: [...residual], stripes: Array.from(stripes, signedLog) };
  const quantisation = Math.log(jpegQuantStep ?? FALLBACK_QUANT_STEP);
  return {
    dense: [...mergeChromaDirections(residual), quantisation],
    stripes: [...Array.from(stripes, signedLog), quantisation],
  };
}
