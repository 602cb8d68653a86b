/**
 * Which model scores an input. JPEG decoding leaves block-quantised, chroma-subsampled noise
 * statistics that a model fitted on lossless inputs misreads, so each family has its own.
 */
export type Branch = 'jpeg' | 'lossless';

export function branchOf(format: string): Branch {
  return format === 'jpeg' ? 'jpeg' : 'lossless';
}
