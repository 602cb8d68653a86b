import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { VerdictRecord } from '@advscreen/contracts';
import { hashedKey, LocalFolderStore } from '@advscreen/storage';
import { describe, expect, it } from 'vitest';
import { quarantineImage, SIDECAR_SUFFIX } from './quarantine.ts';

const flagged = (key: string): VerdictRecord => ({
  key,
  verdict: 'adversarial',
  score: 2,
  threshold: 0,
  signals: {},
  detector: 'residual-cooccurrence@23',
  bytes: 5,
  format: 'png',
  ms: 1,
});

describe('quarantineImage', () => {
  it('files a copy and its sidecar under the key, one named like a sidecar under its hash', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'advscreen-quarantine-'));
    const target = { store: new LocalFolderStore(root), prefix: 'held' };
    const provenance = { sourceLocation: 's3://uploads' };
    expect(await quarantineImage(target, Buffer.from('first'), flagged('a.png'), provenance)).toBe(
      'held/a.png',
    );
    // An upload named after a.png's sidecar must not replace it.
    const lookalike = `a.png${SIDECAR_SUFFIX}`;
    const filed = await quarantineImage(target, Buffer.from('other'), flagged(lookalike), provenance);
    expect(filed).toBe(hashedKey('held', lookalike));
    const sidecar = JSON.parse(await readFile(path.join(root, `held/a.png${SIDECAR_SUFFIX}`), 'utf8'));
    expect(sidecar).toMatchObject({ key: 'a.png', source: { location: 's3://uploads', key: 'a.png' } });
    const lookalikeSidecar = JSON.parse(
      await readFile(path.join(root, `${hashedKey('held', lookalike)}${SIDECAR_SUFFIX}`), 'utf8'),
    );
    expect(lookalikeSidecar.source.key).toBe(lookalike);
    expect(await readFile(path.join(root, filed), 'utf8')).toBe('other');
  });
});
