import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { IngestJob } from '@advscreen/contracts';
import { z } from 'zod';
import { type Listening, listen } from './http-listener.ts';

/** The part of an S3 (or MinIO) event notification advscreen reads. */
const S3EventPayload = z.object({
  Records: z
    .array(
      z.looseObject({
        eventName: z.string(),
        s3: z.looseObject({
          bucket: z.looseObject({ name: z.string() }),
          object: z.looseObject({ key: z.string(), eTag: z.string().optional() }),
        }),
      }),
    )
    .default([]),
});

/**
 * Keys in S3 notifications are URL-encoded with `+` for spaces. A key that is not valid
 * encoding (a sender that did not encode a `%`) is taken as it came: its HEAD then finds the
 * object or records `read_failed`, where a thrown error would refuse the whole notification.
 */
export function decodeNotificationKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

export function objectsFromNotification(payload: unknown, receivedAt: string): IngestJob[] {
  const parsed = S3EventPayload.parse(payload);
  return parsed.Records.filter(
    (record) =>
      record.eventName.startsWith('ObjectCreated') || record.eventName.startsWith('s3:ObjectCreated'),
  ).map((record) => ({
    v: 1,
    object: {
      bucket: record.s3.bucket.name,
      key: decodeNotificationKey(record.s3.object.key),
      etag: record.s3.object.eTag ? record.s3.object.eTag.replace(/^"|"$/g, '') : null,
    },
    via: 'notification',
    receivedAt,
  }));
}

const MAX_BODY_BYTES = 1024 * 1024;

async function readBody(request: IncomingMessage): Promise<string> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw Object.assign(new Error('body too large'), { status: 413 });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Whether an Authorization header carries the token: AWS webhooks via a gateway send "Bearer
 * <token>", MinIO's auth_token may arrive bare. Compared through digests in constant time, so
 * response times do not tell a guesser how much was right.
 */
function tokenCheck(token: string): (authorization: string | undefined) => boolean {
  const accepted = [digest(`Bearer ${token}`), digest(token)];
  return (authorization) => {
    const given = digest(authorization ?? '');
    return accepted.some((expected) => timingSafeEqual(given, expected));
  };
}

export type NotificationServer = Listening;

/**
 * HTTP endpoint for bucket event notifications (POST /notifications, the S3/MinIO JSON
 * payload) and a health check (GET /healthz). Replies 2xx only once every announced object is
 * queued, so the store's own retry covers a Redis outage.
 */
export async function startNotificationServer(options: {
  port: number;
  host?: string;
  token: string | undefined;
  enqueue: (jobs: IngestJob[]) => Promise<void>;
  onError: (error: unknown) => void;
}): Promise<NotificationServer> {
  const authorised = options.token ? tokenCheck(options.token) : null;
  const server: Server = createServer(async (request, response) => {
    try {
      if (request.method === 'GET' && request.url === '/healthz') {
        response.writeHead(200).end('ok\n');
        return;
      }
      if (request.method !== 'POST' || !request.url?.startsWith('/notifications')) {
        response.writeHead(404).end();
        return;
      }
      if (authorised && !authorised(request.headers.authorization)) {
        response.writeHead(401).end();
        return;
      }
      const body = await readBody(request);
      let jobs: IngestJob[];
      try {
        jobs = objectsFromNotification(JSON.parse(body), new Date().toISOString());
      } catch {
        response.writeHead(400).end('not an S3 event notification\n');
        return;
      }
      await options.enqueue(jobs);
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(`${JSON.stringify({ queued: jobs.length })}\n`);
    } catch (error) {
      options.onError(error);
      const status = (error as { status?: number }).status ?? 503;
      if (!response.headersSent) response.writeHead(status).end();
    }
  });
  return listen(server, options.port, options.host);
}
