import { statSync } from 'node:fs';
import { probeBucket, resolveLocation, type StoreLocation } from '@advscreen/storage';
import type { S3Client } from '@aws-sdk/client-s3';
import { UsageError } from './usage-error.ts';

/**
 * A folder or `s3://bucket/prefix` to read or write, its syntax checked: a malformed s3://
 * location, or a bucket S3 says does not exist, is the user's mistake, said as such (exit 2). A
 * folder written to is made when needed; a bucket S3 will not answer about (403 without
 * s3:ListBucket, unreachable) is left to the command's own requests.
 */
export async function checkedLocation(uri: string, s3Client: () => S3Client): Promise<StoreLocation> {
  let location: StoreLocation;
  try {
    location = resolveLocation(uri, s3Client);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { bucket } = location;
  if (bucket && (await probeBucket(s3Client(), bucket)).state === 'missing')
    throw new UsageError(`${location.store.location} does not exist`);
  return location;
}

/**
 * What a command reads: `s3://bucket/prefix`, or a folder that exists. A missing path or a file
 * named instead of its folder stops the command with one line saying so (exit 2), not a stack.
 */
export async function sourceLocation(uri: string, s3Client: () => S3Client): Promise<StoreLocation> {
  if (!uri.startsWith('s3://')) {
    const stats = statSync(uri, { throwIfNoEntry: false });
    if (!stats) throw new UsageError(`${uri} does not exist`);
    if (!stats.isDirectory())
      throw new UsageError(`${uri} is not a folder: name the folder that holds it, or s3://bucket/prefix`);
  }
  return checkedLocation(uri, s3Client);
}
