import { describe, expect, it } from 'vitest';
import { decodeNotificationKey, objectsFromNotification, startNotificationServer } from './notifications.ts';

const record = (eventName: string, key: string) => ({
  eventName,
  s3: { bucket: { name: 'uploads' }, object: { key, eTag: '"abc123"', size: 10 } },
});

describe('S3 event notifications', () => {
  it('decodes keys as S3 encodes them (URL-encoding, + for space)', () => {
    expect(decodeNotificationKey('photos/my+cat%2B1.jpg')).toBe('photos/my cat+1.jpg');
    expect(decodeNotificationKey('photos/100%.jpg')).toBe('photos/100%.jpg');
  });

  it('turns ObjectCreated records into ingest jobs and ignores other events', () => {
    const jobs = objectsFromNotification(
      {
        Records: [
          record('ObjectCreated:Put', 'a+b.jpg'),
          record('ObjectRemoved:Delete', 'gone.jpg'),
          record('s3:ObjectCreated:Copy', 'c.png'),
        ],
      },
      '2026-11-24T00:00:00Z',
    );
    expect(jobs).toEqual([
      {
        v: 1,
        object: { bucket: 'uploads', key: 'a b.jpg', etag: 'abc123' },
        via: 'notification',
        receivedAt: '2026-11-24T00:00:00Z',
      },
      {
        v: 1,
        object: { bucket: 'uploads', key: 'c.png', etag: 'abc123' },
        via: 'notification',
        receivedAt: '2026-11-24T00:00:00Z',
      },
    ]);
  });

  it('rejects payloads that are not notifications', () => {
    expect(() => objectsFromNotification({ Records: [{ eventName: 'x' }] }, 'now')).toThrow();
  });
});

describe('startNotificationServer', () => {
  it('queues announced objects, and refuses bad tokens and bad payloads', async () => {
    const queued: unknown[] = [];
    const server = await startNotificationServer({
      port: 0,
      host: '127.0.0.1',
      token: 'a-long-enough-secret',
      enqueue: async (jobs) => {
        queued.push(...jobs);
      },
      onError: () => {},
    });
    const url = `http://127.0.0.1:${server.port}`;
    const post = (body: string, token = 'a-long-enough-secret') =>
      fetch(`${url}/notifications`, { method: 'POST', body, headers: { authorization: `Bearer ${token}` } });
    try {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(
        (await post(JSON.stringify({ Records: [record('ObjectCreated:Put', 'k.jpg')] }), 'wrong')).status,
      ).toBe(401);
      expect((await post('not json')).status).toBe(400);
      const ok = await post(JSON.stringify({ Records: [record('ObjectCreated:Put', 'k.jpg')] }));
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ queued: 1 });
      expect(queued).toHaveLength(1);
      // MinIO's auth_token arrives bare; without any header, or with a prefix of the token, no.
      const bare = (authorization?: string) =>
        fetch(`${url}/notifications`, {
          method: 'POST',
          body: JSON.stringify({ Records: [record('ObjectCreated:Put', 'k.jpg')] }),
          ...(authorization === undefined ? {} : { headers: { authorization } }),
        });
      expect((await bare('a-long-enough-secret')).status).toBe(200);
      expect((await bare()).status).toBe(401);
      expect((await bare('Bearer a-long-enough')).status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('answers 503 when the queue is unreachable, so the store retries the notification', async () => {
    const server = await startNotificationServer({
      port: 0,
      host: '127.0.0.1',
      token: undefined,
      enqueue: async () => {
        throw new Error('redis down');
      },
      onError: () => {},
    });
    try {
      const response = await fetch(`http://127.0.0.1:${server.port}/notifications`, {
        method: 'POST',
        body: JSON.stringify({ Records: [record('ObjectCreated:Put', 'k.jpg')] }),
      });
      expect(response.status).toBe(503);
    } finally {
      await server.close();
    }
  });
});
