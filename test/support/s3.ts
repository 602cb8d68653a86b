import { createS3Client } from '@advscreen/storage';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { inject } from 'vitest';

/**
 * A client for the test S3 server. The checksum settings are for s3rver, which silently
 * corrupts streamed uploads when the SDK adds its default CRC32 trailers.
 */
export function testS3Client(): S3Client {
  const server = inject('s3');
  return createS3Client({
    endpoint: server.endpoint,
    region: server.region,
    forcePathStyle: true,
    extra: {
      credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    },
  });
}

/** Environment for a child `advscreen` process talking to the test S3 server. */
export function testS3Environment(): Record<string, string> {
  const server = inject('s3');
  return {
    ADVSCREEN_S3_ENDPOINT: server.endpoint,
    ADVSCREEN_S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: server.region,
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
  };
}

let bucketCounter = 0;
/** A fresh bucket per test, so tests never see each other's objects. */
export async function createTestBucket(client: S3Client, label: string): Promise<string> {
  const bucket = `${label}-${process.pid}-${Date.now().toString(36)}-${bucketCounter++}`.toLowerCase();
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}
