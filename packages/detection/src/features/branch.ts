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

export function branchFeatures(
  branch: Branch,
  residual: Float64Array | number[],
  jpegQuantStep: number | null,
): number[] {
  const features = Array.from(residual);
  if (branch === 'jpeg') features.push(Math.log(jpegQuantStep ?? FALLBACK_QUANT_STEP));
  return features;
}
