/** The boxes the colour property sits in, outermost first, with what precedes their children. */
const PATH: readonly (readonly [string, number])[] = [
  ['meta', 4],
  ['iprp', 0],
  ['ipco', 0],
];

/**
 * Whether an AVIF stores its colour as RGB: an `nclx` colour property whose matrix coefficients
 * are 0 (identity), as lossless AVIF is written (libavif's and libheif's lossless modes). Lossy
 * encoders code YCbCr and write another matrix or no colour property (which defaults to YCbCr).
 * Read from the HEIF boxes, since sharp's metadata does not say; an identity matrix with lossy
 * quantisation is possible but unusual. False when the bytes are not such a file.
 */
export function avifStoresRgb(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fourcc = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 16 || fourcc(4) !== 'ftyp') return false;
  // Descends only along PATH, so a file of nested boxes cannot recurse deeper than three levels.
  const scan = (start: number, end: number, level: number): boolean => {
    for (let at = start; at + 8 <= end; ) {
      let size = view.getUint32(at);
      const type = fourcc(at + 4);
      let header = 8;
      if (size === 1) {
        if (at + 16 > end) return false;
        size = Number(view.getBigUint64(at + 8));
        header = 16;
      } else if (size === 0) {
        size = end - at;
      }
      if (size < header || at + size > end) return false;
      const body = at + header;
      const inside = PATH[level];
      if (inside && type === inside[0] && scan(body + inside[1], at + size, level + 1)) return true;
      if (!inside && type === 'colr' && body + 10 <= at + size && fourcc(body) === 'nclx') {
        // nclx: colour primaries, transfer characteristics, matrix coefficients (16 bits each).
        if (view.getUint16(body + 8) === 0) return true;
      }
      at += size;
    }
    return false;
  };
  return scan(0, bytes.length, 0);
}
