import { describe, expect, it } from 'vitest';
import { decodeMetadataValue, encodeMetadataValue } from './metadata-encoding.ts';

describe('S3 metadata values', () => {
  it('leaves printable ASCII alone and sends anything else as a UTF-8 encoded-word', () => {
    expect(encodeMetadataValue('s3://uploads/photo 1.png')).toBe('s3://uploads/photo 1.png');
    expect(encodeMetadataValue('s3://uploads/写真.png')).toBe(
      `=?UTF-8?B?${Buffer.from('s3://uploads/写真.png').toString('base64')}?=`,
    );
    expect(encodeMetadataValue('a\nb')).toMatch(/^=\?UTF-8\?B\?/);
  });

  it('reads back what it wrote, S3 splitting a long value into several words, and plain text as it is', () => {
    for (const value of ['фото 2026.jpg', 'plain', '=?not a word?=', '']) {
      expect(decodeMetadataValue(encodeMetadataValue(value))).toBe(value);
    }
    const [a, b] = ['写真', '.png'].map((part) => `=?utf-8?b?${Buffer.from(part).toString('base64')}?=`);
    expect(decodeMetadataValue(`${a} ${b}`)).toBe('写真.png');
  });
});
