import { describe, expect, it } from 'vitest';
import { cropRgb } from './pixels.ts';

describe('cropRgb', () => {
  it('copies a rectangle of pixels', () => {
    const image = { width: 3, height: 2, data: Uint8Array.from({ length: 18 }, (_, i) => i) };
    expect(Array.from(cropRgb(image, { left: 1, top: 1, width: 2, height: 1 }).data)).toEqual([
      12, 13, 14, 15, 16, 17,
    ]);
  });
});
