import { describe, expect, it } from 'vitest';
import { printable } from './printable.ts';

describe('printable', () => {
  it('writes control characters out and leaves other text, accents and scripts included, alone', () => {
    expect(printable('\u001b]0;owned\u0007photo\r\n.jpg')).toBe(
      '\\u001b]0;owned\\u0007photo\\u000d\\u000a.jpg',
    );
    expect(printable('tab\there\u007f\u009b')).toBe('tab\\u0009here\\u007f\\u009b');
    expect(printable('写真 фото café.png')).toBe('写真 фото café.png');
  });
});
