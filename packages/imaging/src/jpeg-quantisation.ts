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

/** One marker segment of a JPEG header: its marker byte and where its payload (after the length) starts and ends. */
export interface HeaderSegment {
  marker: number;
  payload: number;
  end: number;
}

/**
 * The marker segments before the first scan (SOS), read without decoding; stops quietly at
 * anything malformed (the decoder reports that).
 */
export function* headerSegments(bytes: Uint8Array): Generator<HeaderSegment> {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return;
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
    if (marker === 0xda || marker === 0xd9) return;
    const length = view.getUint16(at + 2);
    const end = Math.min(at + 2 + length, bytes.length);
    yield { marker, payload: at + 4, end };
    at += 2 + length;
  }
}

/**
 * A JPEG's luminance quantisation table (the first DQT table), in row order of the 8x8 block
 * (entry u * 8 + v for vertical frequency u, horizontal v), read from the file's markers
 * without decoding. Null when the file has none or it cannot be read.
 */
export function jpegLumaQuantTable(bytes: Uint8Array): number[] | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (const { marker, payload, end } of headerSegments(bytes)) {
    if (marker !== 0xdb) continue;
    const precision = (bytes[payload] as number) >> 4;
    const size = precision ? 128 : 64;
    if (payload + 1 + size > end) return null;
    const table = new Array<number>(64);
    for (let i = 0; i < 64; i++)
      table[ZIGZAG[i] as number] = precision
        ? view.getUint16(payload + 1 + 2 * i)
        : (bytes[payload + 1 + i] as number);
    return table;
  }
  return null;
}

/**
 * How a colour JPEG stores its chroma, from the sampling factors in its frame header: 4:2:0
 * (halved both ways: cameras, phones, most encoders), 4:2:2 (halved across only: many cameras),
 * 4:4:4 (full resolution: photo editors' high-quality exports), or `other` (4:4:0, 4:1:1,
 * unequal chroma planes, CMYK). Null for greyscale files and when there is no frame header.
 */
export type JpegChroma = '4:2:0' | '4:2:2' | '4:4:4' | 'other';

export function jpegChromaSubsampling(bytes: Uint8Array): JpegChroma | null {
  for (const { marker, payload, end } of headerSegments(bytes)) {
    // Start-of-frame markers: C0-CF but DHT (C4), JPG (C8) and DAC (CC).
    if (marker < 0xc0 || marker > 0xcf || marker === 0xc4 || marker === 0xc8 || marker === 0xcc) continue;
    const components = bytes[payload + 5] as number;
    if (payload + 6 + 3 * components > end) return null;
    if (components === 1) return null;
    if (components !== 3) return 'other';
    const factors = [0, 1, 2].map((i) => bytes[payload + 6 + 3 * i + 1] as number);
    const [luma, cb, cr] = factors.map((f) => ({ h: f >> 4, v: f & 15 })) as [
      { h: number; v: number },
      { h: number; v: number },
      { h: number; v: number },
    ];
    if (cb.h !== cr.h || cb.v !== cr.v) return 'other';
    const across = luma.h / cb.h;
    const down = luma.v / cb.v;
    if (across === 1 && down === 1) return '4:4:4';
    if (across === 2 && down === 2) return '4:2:0';
    if (across === 2 && down === 1) return '4:2:2';
    return 'other';
  }
  return null;
}
