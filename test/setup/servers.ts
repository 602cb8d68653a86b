import type { TestProject } from 'vitest/node';
import {
  type RedisTestServer,
  type S3TestServer,
  startMinio,
  startRedis,
  startS3rver,
} from '../support/servers.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    s3: S3TestServer;
    redis: RedisTestServer;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [s3, redis] = await Promise.all([startMinio().then((minio) => minio ?? startS3rver()), startRedis()]);
  project.provide('s3', s3.server);
  project.provide('redis', redis.server);
  return async () => {
    await Promise.all([s3.stop(), redis.stop()]);
  };
}
