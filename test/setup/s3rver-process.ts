// Runs s3rver in its own process: its paginated ListObjectsV2 needs --openssl-legacy-provider,
// a flag the test runner's own process should not carry.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

const directory = mkdtempSync(path.join(tmpdir(), 'advscreen-s3rver-'));
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
const { port } = (await server.run()) as { port: number };
process.stdout.write(`${JSON.stringify({ port, directory })}\n`);
process.on('SIGTERM', async () => {
  await server.close();
  process.exit(0);
});
