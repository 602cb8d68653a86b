import type { RgbImage, Signals } from '@advscreen/contracts';

export interface ImageScore {
  /** Higher means more likely adversarial. */
  score: number;
  signals: Signals;
}

/**
 * Anything that scores an analysis-size image for adversarial perturbation. Pure and
 * synchronous: the embedded scan and the detector worker call the same object.
 */
export interface Scorer {
  /** `<id>@<version>`, recorded with every verdict. */
  readonly name: string;
  /** Scores strictly above this are adversarial. */
  readonly threshold: number;
  score(image: RgbImage, origin: ImageOrigin): ImageScore;
}

/** What the file said about itself, as some scorers differ by it. */
export interface ImageOrigin {
  /** The decoded file format: `jpeg`, `png`, ... */
  format: string;
  /** JPEG inputs: mean luminance quantisation step (imaging's jpegLumaQuantStep); else null. */
  jpegQuantStep: number | null;
  /** The analysis image is the file's own pixels (not resized or re-oriented for analysis). */
  ownPixels: boolean;
  /** JPEG inputs scored on the encoder's own 8x8 blocks: the luminance quantisation table; else null. */
  jpegBlocks: { lumaTable: readonly number[] } | null;
  /** JPEG inputs: how the file stores its chroma (imaging's jpegChromaSubsampling); absent or null: 4:2:0 is assumed. */
  jpegChroma?: '4:2:0' | '4:2:2' | '4:4:4' | 'other' | null;
  /** WebP inputs whose image is lossy (VP8); absent: false. */
  lossyWebp?: boolean;
  /** AVIF inputs coded as RGB, as lossless AVIF is (imaging's avifStoresRgb); absent: false. */
  losslessAvif?: boolean;
  /** Colours from a palette (GIF, palette PNG; imaging's DecodedImage.palette); absent: false. */
  palette?: boolean;
  /** Every analysis pixel grey (imaging's DecodedImage.grey); absent: false. */
  grey?: boolean;
  /** Share of the analysis image's neighbouring pixel pairs that are identical (imaging's DecodedImage.flatShare); absent: 0. */
  flatShare?: number;
  /**
   * The part of the analysis image inside uniform edge bars, which the photographs' models score
   * (imaging's DecodedImage.picture); absent or null: all of it.
   */
  picture?: { left: number; top: number; width: number; height: number } | null;
  /**
   * A file smaller than the analysis image on both sides: its own pixels, where a perturbation
   * made on the file lives, and a JPEG's blocks in them (imaging's DecodedImage.thumbnail).
   * Absent or null: not a thumbnail.
   */
  thumbnail?: { image: RgbImage; jpegBlocks: { lumaTable: readonly number[] } | null } | null;
}
