import { objectJobId } from '@advscreen/contracts';
import { describe, expect, it } from 'vitest';
import { attributeSource, normaliseEtag } from './ingest.ts';

describe('attributeSource', () => {
  const attribution = { metadataKey: 'source', keyPattern: /^tenants\/(?<source>[^/]+)\// };
  it('prefers object metadata', () =>
    expect(attributeSource('tenants/a/x.jpg', { source: 'api-7' }, attribution)).toBe('api-7'));
  it('falls back to the key pattern', () =>
    expect(attributeSource('tenants/acme/x.jpg', {}, attribution)).toBe('acme'));
  it('says unknown when nothing matches', () =>
    expect(attributeSource('x.jpg', {}, attribution)).toBe('unknown'));
});

describe('job identity', () => {
  it('is the same for the same object version and has no colon', () => {
    const a = objectJobId('detect', { bucket: 'b', key: 'k:1.jpg', etag: normaliseEtag('"e1"') });
    expect(a).toBe(objectJobId('detect', { bucket: 'b', key: 'k:1.jpg', etag: 'e1' }));
    expect(a).not.toContain(':');
    expect(a).not.toBe(objectJobId('detect', { bucket: 'b', key: 'k:1.jpg', etag: 'e2' }));
    expect(a).not.toBe(objectJobId('infer', { bucket: 'b', key: 'k:1.jpg', etag: 'e1' }));
  });
});
