// Starts the real servers integration tests and benchmarks run against: MinIO and Redis in
// containers where a Docker engine exists (testcontainers), else s3rver in a child process and
// Debian's redis-server.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { createInterface } from 'node:readline';

/** How integration tests reach the S3 API server started for this run. */
export interface S3TestServer {
  kind: 'minio' | 's3rver';
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** s3rver only: POST {bucket, url} here to have ObjectCreated events sent to url. */
  notificationControl: string | null;
}

/** How integration tests reach the Redis server started for this run. */
export interface RedisTestServer {
  kind: 'container' | 'redis-server';
  url: string;
}

export type Stop = () => Promise<void>;

/** MinIO in a container where a Docker engine exists (testcontainers), else null. */
export async function startMinio(): Promise<{ server: S3TestServer; stop: Stop } | null> {
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
        notificationControl: null,
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

export async function startS3rver(): Promise<{ server: S3TestServer; stop: Stop }> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--openssl-legacy-provider', new URL('../setup/s3rver-process.ts', import.meta.url).pathname],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const [first] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`s3rver exited with code ${code} before listening`);
    }),
  ])) as [string];
  const { port, controlPort } = JSON.parse(first) as { port: number; controlPort: number };
  return {
    server: {
      kind: 's3rver',
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      notificationControl: `http://127.0.0.1:${controlPort}/subscribe`,
    },
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Redis in a container where a Docker engine exists, else Debian's redis-server. */
export async function startRedis(): Promise<{ server: RedisTestServer; stop: Stop }> {
  if (process.env.ADVSCREEN_TEST_CONTAINERS !== '0') {
    try {
      const { GenericContainer, Wait } = await import('testcontainers');
      const container = await new GenericContainer('redis:7')
        .withExposedPorts(6379)
        .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
        .start();
      return {
        server: { kind: 'container', url: `redis://${container.getHost()}:${container.getMappedPort(6379)}` },
        stop: async () => {
          await container.stop();
        },
      };
    } catch {
      // No container runtime: fall through to a local redis-server.
    }
  }
  const port = await freePort();
  const stop = await spawnRedisServer(port, ['--save', '', '--appendonly', 'no']);
  return { server: { kind: 'redis-server', url: `redis://127.0.0.1:${port}` }, stop };
}

/** Debian's redis-server on a port, once it accepts connections; `stop` ends it with SIGTERM. */
async function spawnRedisServer(port: number, settings: string[]): Promise<Stop> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', ...settings], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.once('error', (error) =>
      reject(new Error(`cannot start redis-server (install Debian's redis-server): ${error.message}`)),
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) resolve();
    });
  });
  child.stdout?.resume();
  return async () => {
    child.kill('SIGTERM');
    await once(child, 'exit');
  };
}

/**
 * A Redis of one test's own that it can take down and bring back on the same address with its
 * data, as a restart or failover of a production Redis with an append-only file does: every write
 * is on disk before Redis answers it, so what the clients were told is kept.
 */
export async function startRestartableRedis(dataDir: string): Promise<{
  url: string;
  stop: Stop;
  start(): Promise<void>;
}> {
  const port = await freePort();
  const settings = ['--dir', dataDir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'];
  let stopRunning: Stop | null = await spawnRedisServer(port, settings);
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      await stopRunning?.();
      stopRunning = null;
    },
    async start() {
      stopRunning ??= await spawnRedisServer(port, settings);
    },
  };
}

/**
 * An HTTP endpoint that accepts connections and never answers: what a hung S3 server looks like
 * to a client. `close` drops the connections it holds.
 */
export async function startSilentServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
