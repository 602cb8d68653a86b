import sharp from 'sharp';

/**
 * Inputs a screening service must survive, generated at test time so no hostile file is
 * committed. Each maps to the reject reason it must produce.
 */
export async function hostileFiles(
  validJpeg: Buffer,
): Promise<Record<string, { bytes: Buffer; reason: string }>> {
  const bomb = await sharp({ create: { width: 12_000, height: 12_000, channels: 3, background: '#000' } })
    .png({ compressionLevel: 9 })
    .toBuffer();
  // White pixels whose alpha draws a picture: seen on a dark page, blank on a white one.
  const hiddenByAlpha = Buffer.alloc(64 * 64 * 4, 255);
  for (let p = 0; p < 64 * 64; p++) hiddenByAlpha[4 * p + 3] = 30 + ((p * 37) % 190);
  return {
    'empty.jpg': { bytes: Buffer.alloc(0), reason: 'empty' },
    'truncated.jpg': { bytes: validJpeg.subarray(0, Math.floor(validJpeg.length / 3)), reason: 'corrupt' },
    'notes.png': { bytes: Buffer.from('just some text, not pixels\n'), reason: 'not_an_image' },
    'vector.jpg': {
      bytes: Buffer.from(
        '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><image href="file:///etc/passwd"/></svg>',
      ),
      reason: 'disguised_format',
    },
    'document.png': {
      bytes: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'),
      reason: 'disguised_format',
    },
    'drawing.svg': {
      bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>'),
      reason: 'unsupported_format',
    },
    'bomb.png': { bytes: bomb, reason: 'too_many_pixels' },
    'sticker.png': {
      bytes: await sharp(hiddenByAlpha, { raw: { width: 64, height: 64, channels: 4 } })
        .png()
        .toBuffer(),
      reason: 'partly_transparent',
    },
  };
}

/** A noisy PNG of about `width * height * 3` bytes, for size-limit tests. */
export async function noisyPng(width: number, height: number): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  let state = 12345;
  for (let i = 0; i < pixels.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    pixels[i] = state >>> 24;
  }
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
}
