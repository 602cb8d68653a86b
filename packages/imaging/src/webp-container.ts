/**
 * Whether a WebP file's image is lossy (VP8) or lossless (VP8L), read from its RIFF chunks;
 * sharp's metadata does not say. Simple files hold one `VP8 ` or `VP8L` chunk; extended ones
 * (`VP8X`) put it after optional chunks (ICC profile, alpha, ...), and animations inside each
 * `ANMF` frame, after the frame's 16-byte header: the first frame is the one screened. Null
 * when the bytes are not a WebP container or name no image chunk.
 */
export function webpCompression(bytes: Uint8Array): 'lossy' | 'lossless' | null {
  const fourcc = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 20 || fourcc(0) !== 'RIFF' || fourcc(8) !== 'WEBP') return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Frames sit at the top level only: a frame inside a frame is not descended into, so nesting cannot recurse.
  const scan = (start: number, end: number, top: boolean): 'lossy' | 'lossless' | null => {
    for (let at = start; at + 8 <= end; ) {
      const id = fourcc(at);
      if (id === 'VP8 ') return 'lossy';
      if (id === 'VP8L') return 'lossless';
      const size = view.getUint32(at + 4, true);
      if (id === 'ANMF' && top) return scan(at + 8 + 16, Math.min(end, at + 8 + size), false);
      // Chunks are padded to an even size.
      at += 8 + size + (size % 2);
    }
    return null;
  };
  return scan(12, bytes.length, true);
}
