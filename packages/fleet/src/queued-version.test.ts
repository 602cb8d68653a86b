import { createHash } from 'node:crypto';
import { ObjectChangedError, type ObjectInfo, type ReadOptions } from '@advscreen/storage';
import { describe, expect, it } from 'vitest';
import { contentIdOf, readQueuedVersion } from './queued-version.ts';

const md5 = (bytes: Buffer) => createHash('md5').update(bytes).digest('hex');
const IMAGE = Buffer.from('the queued version');
const NEWER = Buffer.from('a newer upload under the same key');

/** A store whose reads hand out `reads` in turn and whose HEAD reports `etag`; it records If-Match. */
function storeAnswering(reads: Buffer[], etag: string) {
  const ifMatches: (string | undefined)[] = [];
  return {
    ifMatches,
    store: {
      async read(_key: string, _maxBytes: number, options?: ReadOptions) {
        ifMatches.push(options?.ifMatch);
        const next = reads.shift();
        if (!next) throw new Error('no more reads');
        return next;
      },
      async head(key: string): Promise<ObjectInfo> {
        return { key, size: 0, etag: `"${etag}"`, contentType: undefined, metadata: {} };
      },
    },
  };
}

const object = (etag: string | null) => ({ bucket: 'uploads', key: 'a.png', etag });

describe('contentIdOf', () => {
  it('takes only plain MD5 ETags as content ids', () => {
    expect(contentIdOf('0123456789abcdef0123456789abcdef')).toBe('0123456789abcdef0123456789abcdef');
    expect(contentIdOf('0123456789abcdef0123456789abcdef-3')).toBeNull();
  });
});

describe('readQueuedVersion', () => {
  it('reads once, asking for the queued ETag, when the bytes hash to it', async () => {
    const { store, ifMatches } = storeAnswering([IMAGE], md5(IMAGE));
    expect(await readQueuedVersion(store, object(md5(IMAGE)), 100)).toEqual({
      bytes: IMAGE,
      contentId: md5(IMAGE),
    });
    expect(ifMatches).toEqual([md5(IMAGE)]);
  });

  it('reads again after a damaged transfer and returns the good bytes', async () => {
    const damaged = Buffer.from(IMAGE);
    damaged.writeUInt8(damaged.readUInt8(3) ^ 0xff, 3);
    const { store, ifMatches } = storeAnswering([damaged, IMAGE], md5(IMAGE));
    const rereads: string[] = [];
    const onReread = (_object: unknown, why: string) => rereads.push(why);
    expect(await readQueuedVersion(store, object(md5(IMAGE)), 100, onReread)).toEqual({
      bytes: IMAGE,
      contentId: md5(IMAGE),
    });
    expect(ifMatches).toHaveLength(2);
    expect(rereads).toEqual([expect.stringMatching(/do not hash to the ETag/)]);
  });

  it('says the object changed when the key holds a newer version (a server ignoring If-Match)', async () => {
    const { store } = storeAnswering([NEWER, NEWER], md5(NEWER));
    await expect(readQueuedVersion(store, object(md5(IMAGE)), 100)).rejects.toThrow(ObjectChangedError);
  });

  it('takes bytes that two reads agree on when the ETag is no MD5 of them (SSE-KMS), without a content id', async () => {
    const kmsEtag = md5(Buffer.from('not the content'));
    const { store } = storeAnswering([IMAGE, Buffer.from(IMAGE)], kmsEtag);
    expect(await readQueuedVersion(store, object(kmsEtag), 100)).toEqual({ bytes: IMAGE, contentId: null });
  });

  it('throws, for the job to retry, when two reads differ and neither hashes to the ETag', async () => {
    const { store } = storeAnswering([Buffer.from('garbage one'), Buffer.from('garbage two')], md5(IMAGE));
    await expect(readQueuedVersion(store, object(md5(IMAGE)), 100)).rejects.toThrow(
      /two reads gave different bytes/,
    );
  });

  it('cannot check a multipart ETag or a missing one: one read, If-Match only for a real ETag', async () => {
    const multipart = storeAnswering([IMAGE], 'abc-2');
    expect(await readQueuedVersion(multipart.store, object('0123abcd-2'), 100)).toEqual({
      bytes: IMAGE,
      contentId: null,
    });
    expect(multipart.ifMatches).toEqual(['0123abcd-2']);
    for (const etag of [null, 'none']) {
      const unknown = storeAnswering([IMAGE], 'x');
      expect((await readQueuedVersion(unknown.store, object(etag), 100)).bytes).toEqual(IMAGE);
      expect(unknown.ifMatches).toEqual([undefined]);
    }
  });
});
