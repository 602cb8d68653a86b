import { objectJobId } from '@advscreen/contracts';
import { describe, expect, it } from 'vitest';
import { attributeSource, fleetOutputs, normaliseEtag } from './ingest.ts';

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

describe('fleetOutputs', () => {
  it("knows the fleet's quarantine copies and outcome records by their location", () => {
    const own = fleetOutputs([
      { bucket: 'uploads', prefix: 'held' },
      { bucket: 'results', prefix: '' },
    ]);
    const at = (bucket: string, key: string) => own({ bucket, key, etag: null });
    expect(at('uploads', 'held/uploads/in/a.png')).toBe(true);
    expect(at('uploads', 'held/uploads/in/a.png.advscreen.json')).toBe(true);
    expect(at('results', 'results/in/a.png.json')).toBe(true);
    // Uploads themselves, and copies of another bucket's objects, are screened.
    expect(at('uploads', 'in/a.png')).toBe(false);
    expect(at('uploads', 'held/other/a.png')).toBe(false);
    expect(at('uploads', 'heldout/uploads/a.png')).toBe(false);
    expect(at('results', 'in/a.png')).toBe(false);
  });
});
