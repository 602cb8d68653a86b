// Runs s3rver in its own process: its paginated ListObjectsV2 needs --openssl-legacy-provider,
// a flag the test runner's own process should not carry. It also plays the part of a bucket's
// event-notification configuration: POST /subscribe {"bucket", "url"} to the control port and
// every ObjectCreated event in that bucket is POSTed to the url, in the AWS payload format
// (keys URL-encoded, spaces as '+'), as MinIO's webhook target does.
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';

type S3EventRecord = { eventName: string; s3: { bucket: { name: string }; object: { key: string } } };

const directory = mkdtempSync(path.join(tmpdir(), 'advscreen-s3rver-'));
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
const subscriptions = new Map<string, string>();

server.on('event', (event: { Records: S3EventRecord[] }) => {
  for (const record of event.Records) {
    const url = subscriptions.get(record.s3.bucket.name);
    if (!url || !record.eventName.startsWith('ObjectCreated')) continue;
    const encoded = {
      ...record,
      s3: {
        ...record.s3,
        object: { ...record.s3.object, key: encodeURIComponent(record.s3.object.key).replace(/%20/g, '+') },
      },
    };
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ Records: [encoded] }),
    }).catch((error: unknown) => process.stderr.write(`notification to ${url} failed: ${String(error)}\n`));
  }
});

const control = createServer(async (request, response) => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const { bucket, url } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
    bucket: string;
    url: string;
  };
  subscriptions.set(bucket, url);
  response.writeHead(204).end();
});
await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));

const { port } = (await server.run()) as { port: number };
process.stdout.write(
  `${JSON.stringify({ port, controlPort: (control.address() as AddressInfo).port, directory })}\n`,
);
process.on('SIGTERM', async () => {
  control.close();
  await server.close();
  process.exit(0);
});
