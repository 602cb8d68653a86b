import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { TestProject } from 'vitest/node';

/** How integration tests reach the S3 API server started for this run. */
export interface S3TestServer {
  kind: 'minio' | 's3rver';
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    s3: S3TestServer;
  }
}

type Stop = () => Promise<void>;

/** MinIO in a container where a Docker engine exists (testcontainers), else null. */
async function startMinio(): Promise<{ server: S3TestServer; stop: Stop } | null> {
  if (process.env.ADVSCREEN_TEST_CONTAINERS === '0') return null;
  try {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer('minio/minio:latest')
      .withCommand(['server', '/data'])
      .withEnvironment({ MINIO_ROOT_USER: 'advscreen', MINIO_ROOT_PASSWORD: 'advscreen-secret' })
      .withExposedPorts(9000)
      .withWaitStrategy(Wait.forHttp('/minio/health/ready', 9000))
      .start();
    return {
      server: {
        kind: 'minio',
        endpoint: `http://${container.getHost()}:${container.getMappedPort(9000)}`,
        region: 'us-east-1',
        accessKeyId: 'advscreen',
        secretAccessKey: 'advscreen-secret',
      },
      stop: async () => {
        await container.stop();
      },
    };
  } catch (error) {
    console.info(
      `[test servers] no container runtime (${(error as Error).message.split('\n')[0]}); using s3rver`,
    );
    return null;
  }
}

async function startS3rver(): Promise<{ server: S3TestServer; stop: Stop }> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--openssl-legacy-provider', new URL('./s3rver-process.ts', import.meta.url).pathname],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [first] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`s3rver exited with code ${code} before listening`);
    }),
  ])) as [string];
  const { port } = JSON.parse(first) as { port: number };
  return {
    server: {
      kind: 's3rver',
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
    },
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const s3 = (await startMinio()) ?? (await startS3rver());
  project.provide('s3', s3.server);
  return async () => {
    await s3.stop();
  };
}
