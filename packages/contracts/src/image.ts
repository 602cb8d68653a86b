/** 8-bit RGB pixels, row-major, interleaved (`data.length === width * height * 3`). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}
