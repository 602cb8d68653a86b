import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ownOutputKeys } from './own-outputs.ts';

const sidecarSuffix = '.advscreen.json';

describe('ownOutputKeys', () => {
  it("leaves out a folder scan's verdicts file and quarantine folder inside it", () => {
    const root = path.resolve('/data/in');
    const own = ownOutputKeys(
      { location: root, prefix: '' },
      {
        verdictsFile: '/data/in/verdicts.jsonl',
        quarantine: { location: path.resolve('/data/in/held'), prefix: '' },
        sidecarSuffix,
      },
    );
    // A folder inside whose name starts with two dots is still inside.
    expect(
      ownOutputKeys(
        { location: root, prefix: '' },
        { quarantine: { location: path.resolve('/data/in/..held'), prefix: '' }, sidecarSuffix },
      )('..held/a.png'),
    ).toBe(true);
    expect(['verdicts.jsonl', 'held/a.png', 'held/a.png.advscreen.json'].map(own)).toEqual([
      true,
      true,
      true,
    ]);
    expect(['photo.png', 'held.png', 'sub/verdicts.jsonl', 'heldout/a.png'].map(own)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it('keeps everything when the outputs lie elsewhere', () => {
    const own = ownOutputKeys(
      { location: path.resolve('/data/in'), prefix: '' },
      {
        verdictsFile: '/data/verdicts.jsonl',
        quarantine: { location: path.resolve('/data/held'), prefix: '' },
        sidecarSuffix,
      },
    );
    expect(['verdicts.jsonl', 'held/a.png', 'a.png.advscreen.json'].map(own)).toEqual([false, false, false]);
  });

  it('leaves out a quarantine prefix in the scanned bucket, and only sidecars of one at its root', () => {
    const bucket = { location: 's3://uploads', prefix: 'batch' };
    const own = ownOutputKeys(bucket, {
      quarantine: { location: 's3://uploads', prefix: 'batch/held/' },
      sidecarSuffix,
    });
    expect(['batch/held/x.png', 'batch/x.png', 'batch/heldx.png'].map(own)).toEqual([true, false, false]);
    expect(
      ownOutputKeys(bucket, { quarantine: { location: 's3://other', prefix: 'batch/held' }, sidecarSuffix })(
        'batch/held/x.png',
      ),
    ).toBe(false);
    const atRoot = ownOutputKeys(
      { location: path.resolve('/data/in'), prefix: '' },
      { quarantine: { location: path.resolve('/data/in'), prefix: '' }, sidecarSuffix },
    );
    expect(['x.png', 'x.png.advscreen.json'].map(atRoot)).toEqual([false, true]);
  });
});
