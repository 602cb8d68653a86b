/**
 * Mean step of a JPEG's luminance quantisation table (the first DQT table), read from the
 * file's markers without decoding (IJG tables: 1 at quality 100, 5.8 at 95, 11.5 at 90, 34.5 at 70).
 * It says how much of an image's fine noise the encoder kept, which a noise-residual detector
 * must know to tell a high-quality clean JPEG from a perturbed one. Null when there is none.
 */
export function jpegLumaQuantStep(bytes: Uint8Array): number | null {
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
      let sum = 0;
      for (let i = 0; i < 64; i++)
        sum += precision ? view.getUint16(at + 5 + 2 * i) : (bytes[at + 5 + i] as number);
      return sum / 64;
    }
    at += 2 + length;
  }
  return null;
}
