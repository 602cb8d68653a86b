import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import {
  createS3Client,
  ObjectChangedError,
  ObjectNotFoundError,
  ObjectTooLargeError,
  probeBucket,
  S3Store,
  UnsafeKeyError,
} from '@advscreen/storage';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO_ROOT, runCli } from './support/cli.ts';
import { createTestBucket, testS3Client, testS3Environment } from './support/s3.ts';
import { startSilentServer } from './support/servers.ts';
import { readVerdicts } from './support/verdicts.ts';

let client: S3Client;

beforeAll(() => {
  client = testS3Client();
});
afterAll(() => client.destroy());

describe('an S3 endpoint that never answers', () => {
  it('fails a read after the timeout instead of waiting for good', async () => {
    const silent = await startSilentServer();
    const silentClient = createS3Client({
      endpoint: silent.url,
      region: 'us-east-1',
      forcePathStyle: true,
      timeoutMs: 500,
      extra: { credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 },
    });
    const store = new S3Store({ bucket: 'uploads', client: silentClient });
    const started = performance.now();
    try {
      await expect(store.read('photo.png', 1000)).rejects.toThrow(/timed? ?out/i);
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      silentClient.destroy();
      await silent.close();
    }
  });
});

describe('probeBucket', () => {
  it("says a bucket is there or missing on the server's answer, and unknown when it gets none", async () => {
    const bucket = await createTestBucket(client, 'probed');
    expect(await probeBucket(client, bucket)).toEqual({ state: 'exists' });
    expect(await probeBucket(client, `${bucket}-not-made`)).toEqual({ state: 'missing' });
    const silent = await startSilentServer();
    const silentClient = createS3Client({
      endpoint: silent.url,
      region: 'us-east-1',
      forcePathStyle: true,
      extra: { credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, maxAttempts: 1 },
    });
    try {
      const started = performance.now();
      expect(await probeBucket(silentClient, bucket, 300)).toMatchObject({ state: 'unknown' });
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      silentClient.destroy();
      await silent.close();
    }
  });
});

describe('S3Store against a real S3 API server', () => {
  it('lists every key across pages, reads, streams, copies with metadata', async () => {
    const bucket = await createTestBucket(client, 'store');
    const store = new S3Store({ bucket, client, pageSize: 2 });
    for (let i = 0; i < 7; i++) await store.put(`in/${i}.bin`, Buffer.from(`object ${i}`));
    await store.put('other/x.bin', Buffer.from('x'));

    const keys: string[] = [];
    for await (const object of store.list('in/')) keys.push(object.key);
    expect(keys.sort()).toEqual(Array.from({ length: 7 }, (_, i) => `in/${i}.bin`));

    expect((await store.read('in/3.bin', 100)).toString()).toBe('object 3');
    await expect(store.read('in/3.bin', 4)).rejects.toThrow(ObjectTooLargeError);

    const streamed = Buffer.alloc(300_000, 7);
    await store.put(
      'streamed.bin',
      Readable.from([streamed.subarray(0, 100_000), streamed.subarray(100_000)]),
    );
    expect((await store.read('streamed.bin', 1_000_000)).equals(streamed)).toBe(true);

    // Keys and senders outside ASCII (HTTP headers carry ASCII only): written and read back.
    const named = { 'advscreen-source': 's3://uploads/写真 фото.png', 'advscreen-sender': 'Zoë' };
    await store.put('in/写真.bin', Buffer.from('x'), { metadata: named });
    expect((await store.head('in/写真.bin')).metadata).toEqual(named);

    await expect(store.head('missing.bin')).rejects.toThrow(ObjectNotFoundError);
    await expect(store.read('../escape', 10)).rejects.toThrow(UnsafeKeyError);
  });
});

describe('S3Store reads of one version', () => {
  it('reads the version named by If-Match; a server that honours it refuses a replaced one', async () => {
    const bucket = await createTestBucket(client, 'ifmatch');
    const store = new S3Store({ bucket, client });
    await store.put('v.bin', Buffer.from('first'));
    const first = (await store.head('v.bin')).etag as string;
    expect((await store.read('v.bin', 100, { ifMatch: first })).toString()).toBe('first');
    await store.put('v.bin', Buffer.from('second'));
    const stale = store.read('v.bin', 100, { ifMatch: first });
    if (inject('s3').kind === 'minio') await expect(stale).rejects.toThrow(ObjectChangedError);
    // s3rver ignores If-Match: the fleet's ETag check on the bytes (queued-version.ts) catches it.
    else expect((await stale).toString()).toBe('second');
  });
});

describe('advscreen scan s3://bucket/prefix', () => {
  it('says in one line, exit 2, that a bucket it should read or write does not exist', async () => {
    const bucket = await createTestBucket(client, 'exists');
    const missing = `${bucket}-not-made`;
    const folder = path.join(REPO_ROOT, 'test/fixtures/photos');
    for (const [args, says] of [
      [['scan', `s3://${missing}/batch/`, '--json'], `s3://${missing} does not exist`],
      [['scan', folder, '--quarantine', `s3://${missing}/held`, '--json'], `s3://${missing} does not exist`],
      [['calibrate', `s3://${missing}/`, '--out', '/dev/null'], `s3://${missing} does not exist`],
      [['enqueue', `s3://${missing}/`], `s3://${missing} does not exist`],
    ] as const) {
      const result = await runCli([...args], testS3Environment());
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.split('\n')[0]).toBe(`advscreen: ${says}`);
    }
  });

  it('screens a bucket prefix and quarantines into another bucket with metadata', async () => {
    const source = await createTestBucket(client, 'uploads');
    const quarantine = await createTestBucket(client, 'quarantine');
    const photos = path.join(REPO_ROOT, 'test/fixtures/photos');
    const names = (await readdir(photos)).filter((name) => /\.(png|jpg)$/.test(name));
    for (const name of names) {
      await client.send(
        new PutObjectCommand({
          Bucket: source,
          Key: `batch/${name}`,
          Body: await readFile(path.join(photos, name)),
        }),
      );
    }
    // A key outside ASCII: its quarantine copy's metadata names it (S3 carries it encoded).
    const named = 'batch/写真 фото.png';
    await client.send(
      new PutObjectCommand({
        Bucket: source,
        Key: named,
        Body: await readFile(path.join(photos, 'person_2__PGD_8-255.png')),
      }),
    );
    await client.send(
      new PutObjectCommand({ Bucket: source, Key: 'batch/readme.jpg', Body: 'not an image' }),
    );
    await client.send(
      new PutObjectCommand({ Bucket: source, Key: 'elsewhere/skip.jpg', Body: 'outside the prefix' }),
    );
    // Listing gives no media types: the scan asks for this one's when its bytes turn out an SVG.
    await client.send(
      new PutObjectCommand({
        Bucket: source,
        Key: 'batch/upload-5c2e',
        Body: '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><script>alert(1)</script></svg>',
        ContentType: 'image/jpeg',
      }),
    );

    const out = path.join(await mkdtemp(path.join(tmpdir(), 'advscreen-s3-scan-')), 'verdicts.jsonl');
    const result = await runCli(
      ['scan', `s3://${source}/batch/`, '--out', out, '--quarantine', `s3://${quarantine}/held`, '--json'],
      testS3Environment(),
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const records = await readVerdicts(out);
    expect(records.map((r) => r.key).sort()).toEqual(
      [...names.map((n) => `batch/${n}`), named, 'batch/readme.jpg', 'batch/upload-5c2e'].sort(),
    );
    expect(JSON.parse(result.stdout)).toMatchObject({ quarantineFailures: 0 });
    expect(records.find((r) => r.key === 'batch/upload-5c2e')).toMatchObject({
      verdict: 'rejected',
      reason: 'disguised_format',
      detail: expect.stringMatching(/^SVG content sent as image\/jpeg;/),
    });
    expect(records.find((r) => r.key === 'batch/readme.jpg')).toMatchObject({
      verdict: 'rejected',
      reason: 'not_an_image',
    });

    const adversarial = records.filter((r) => r.verdict === 'adversarial');
    expect(adversarial.map((r) => r.key)).toContain(named);
    const held = new S3Store({ bucket: quarantine, client });
    for (const record of adversarial) {
      const head = await held.head(`held/${record.key}`);
      expect(head.metadata).toMatchObject({
        'advscreen-verdict': 'adversarial',
        'advscreen-score': String(record.score),
        'advscreen-detector': record.detector,
        'advscreen-source': `s3://${source}/${record.key}`,
      });
      const sidecar = await client.send(
        new GetObjectCommand({ Bucket: quarantine, Key: `held/${record.key}.advscreen.json` }),
      );
      const body = JSON.parse(
        await (sidecar.Body as { transformToString(): Promise<string> }).transformToString(),
      );
      expect(body.signals).toEqual(record.signals);
      expect(body.source).toEqual({ location: `s3://${source}`, key: record.key });
    }
  });
});
