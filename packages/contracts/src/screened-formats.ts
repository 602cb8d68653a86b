/** Image formats advscreen decodes and screens. Everything else (SVG, PDF, RAW, JP2, ...) is refused. */
export const SCREENED_FORMATS = ['jpeg', 'png', 'webp', 'avif', 'tiff', 'gif'] as const;
export type ScreenedFormat = (typeof SCREENED_FORMATS)[number];
