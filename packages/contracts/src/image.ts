/** 8-bit RGB pixels, row-major, interleaved (`data.length === width * height * 3`). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** An image whose pixel values may be fractional (an attack's working copy), 0-255, RGB, row-major. */
export interface FloatRgbImage {
  width: number;
  height: number;
  data: Float32Array;
}
