export {
  type DecodedImage,
  type DecodeLimits,
  decodeImage,
  flatShare,
  forEachIdenticalNeighbourPair,
  type PictureBox,
  pictureInsideBars,
  type Thumbnail,
} from './decode-image.ts';
export {
  encodeJpeg,
  isJpegEncodeChroma,
  JPEG_ENCODE_CHROMAS,
  type JpegEncodeChroma,
  tagJpegOrientation,
} from './encode-jpeg.ts';
export {
  encodeLossy,
  encodePalette,
  isLossyFormat,
  isPaletteEncoding,
  LOSSY_FORMATS,
  type LossyFormat,
  PALETTE_ENCODINGS,
  type PaletteEncoding,
} from './encode-lossy.ts';
export {
  type JpegChroma,
  jpegChromaSubsampling,
  jpegLumaQuantStep,
  jpegLumaQuantTable,
} from './jpeg-quantisation.ts';
export { RejectedInputError } from './rejected-input.ts';
export { isPartlyTransparent } from './transparency.ts';
export { webpCompression } from './webp-container.ts';
