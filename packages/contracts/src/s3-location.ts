/** A bucket and a key prefix in it, from `s3://bucket/prefix`. */
export interface S3Location {
  bucket: string;
  /** As written: `photos/` lists that folder, `photos` also `photos-old/` (S3's prefix rule). */
  prefix: string;
}

/**
 * `s3://bucket` or `s3://bucket/prefix`. The bucket takes S3's characters, legacy names' too
 * (capitals, underscores, up to 255: old us-east-1 buckets), and at least 3 of them.
 */
const S3_LOCATION = /^s3:\/\/([A-Za-z0-9._-]{3,255})(?:\/(.*))?$/;

/** The parts of an s3:// location, or undefined when the text is not one. */
export function readS3Location(uri: string): S3Location | undefined {
  const match = S3_LOCATION.exec(uri);
  return match ? { bucket: match[1] as string, prefix: match[2] ?? '' } : undefined;
}

/** The parts of an s3:// location; throws, naming it, when it is not one. */
export function parseS3Location(uri: string): S3Location {
  const location = readS3Location(uri);
  if (!location) throw new Error(`${uri} is not a valid s3://bucket/prefix location`);
  return location;
}

/** The `s3://bucket/prefix` form of a location, for messages and logs. */
export function formatS3Location({ bucket, prefix }: S3Location): string {
  return prefix === '' ? `s3://${bucket}` : `s3://${bucket}/${prefix}`;
}
