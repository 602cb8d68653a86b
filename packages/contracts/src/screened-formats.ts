/** Image formats advscreen decodes and screens. Everything else (SVG, PDF, RAW, JP2, ...) is refused. */
export const SCREENED_FORMATS = ['jpeg', 'png', 'webp', 'avif', 'tiff', 'gif'] as const;
export type ScreenedFormat = (typeof SCREENED_FORMATS)[number];

/**
 * Whether a screened file's pixels went through lossy coding: JPEG, lossy (VP8) WebP, AVIF not
 * coded as RGB. Its coding noise leaves flat areas uneven, and a JPEG's blocks sit on a grid.
 */
export function isLossyCoded(file: { format: string; lossyWebp?: boolean; losslessAvif?: boolean }): boolean {
  return (
    file.format === 'jpeg' ||
    (file.format === 'webp' && file.lossyWebp === true) ||
    (file.format === 'avif' && file.losslessAvif !== true)
  );
}
