export {
  type DecodedImage,
  type DecodeLimits,
  decodeImage,
  SCREENED_FORMATS,
  type ScreenedFormat,
} from './decode-image.ts';
export { jpegLumaQuantStep, jpegLumaQuantTable } from './jpeg-quantisation.ts';
export { RejectedInputError } from './rejected-input.ts';
