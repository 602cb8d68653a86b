/** Where each of a DQT table's 64 entries (stored in zigzag order) sits in the 8x8 block, row by row. */
const ZIGZAG = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
  53, 60, 61, 54, 47, 55, 62, 63,
];

/**
 * Mean step of a JPEG's luminance quantisation table (see jpegLumaQuantTable; IJG tables: 1 at
 * quality 100, 5.8 at 95, 11.5 at 90, 34.5 at 70). It says how much of an image's fine noise
 * the encoder kept, which a noise-residual detector must know to tell a high-quality clean JPEG
 * from a perturbed one. Null when there is none.
 */
export function jpegLumaQuantStep(bytes: Uint8Array): number | null {
  const table = jpegLumaQuantTable(bytes);
  return table ? meanQuantStep(table) : null;
}

/** The mean step of a quantisation table already read (jpegLumaQuantTable). */
export function meanQuantStep(table: readonly number[]): number {
  return table.reduce((sum, step) => sum + step, 0) / table.length;
}

/**
 * A JPEG's luminance quantisation table (the first DQT table), in row order of the 8x8 block
 * (entry u * 8 + v for vertical frequency u, horizontal v), read from the file's markers
 * without decoding. Null when the file has none or it cannot be read.
 */
export function jpegLumaQuantTable(bytes: Uint8Array): number[] | null {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return null;
    const marker = bytes[at + 1] as number;
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    // Markers without a length: TEM and RST0-7; SOS or EOI end the header.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      at += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return null;
    const length = view.getUint16(at + 2);
    if (marker === 0xdb) {
      const precision = (bytes[at + 4] as number) >> 4;
      const size = precision ? 128 : 64;
      if (length < 3 + size || at + 5 + size > bytes.length) return null;
      const table = new Array<number>(64);
      for (let i = 0; i < 64; i++)
        table[ZIGZAG[i] as number] = precision
          ? view.getUint16(at + 5 + 2 * i)
          : (bytes[at + 5 + i] as number);
      return table;
    }
    at += 2 + length;
  }
  return null;
}
