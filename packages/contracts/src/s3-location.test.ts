import { describe, expect, it } from 'vitest';
import { formatS3Location, parseS3Location, readS3Location } from './s3-location.ts';

describe('s3:// locations', () => {
  it('keeps the prefix as written, so a trailing slash keeps a listing to that folder', () => {
    expect(readS3Location('s3://uploads/incoming/')).toEqual({ bucket: 'uploads', prefix: 'incoming/' });
    expect(readS3Location('s3://uploads/incoming')).toEqual({ bucket: 'uploads', prefix: 'incoming' });
    expect(readS3Location('s3://uploads/')).toEqual({ bucket: 'uploads', prefix: '' });
    expect(readS3Location('s3://uploads')).toEqual({ bucket: 'uploads', prefix: '' });
  });

  it('takes legacy bucket names, refuses what names no bucket', () => {
    expect(readS3Location('s3://Old_Bucket.2015/x')?.bucket).toBe('Old_Bucket.2015');
    for (const text of ['s3://', 's3:///x', 's3://x', 's3://ab/c', 's3://a b/c', 'uploads/x', 'S3://uploads'])
      expect(readS3Location(text), text).toBeUndefined();
    expect(() => parseS3Location('s3://x')).toThrow('s3://x is not a valid s3://bucket/prefix location');
  });

  it('writes a location back as it was read', () => {
    for (const text of ['s3://uploads/incoming/', 's3://uploads/incoming', 's3://uploads'])
      expect(formatS3Location(parseS3Location(text))).toBe(text);
    expect(formatS3Location(parseS3Location('s3://uploads/'))).toBe('s3://uploads');
  });
});
