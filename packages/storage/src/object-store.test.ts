import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { storableKey } from './object-store.ts';

const hashed = (key: string) => `~${createHash('sha256').update(key).digest('hex')}`;

describe('storableKey', () => {
  it('files under the key itself whenever that is a safe key S3 takes', () => {
    expect(storableKey('outcomes/uploads', 'a/photo 1.png', '.json')).toBe(
      'outcomes/uploads/a/photo 1.png.json',
    );
    expect(storableKey('held/', 'x.png')).toBe('held/x.png');
    expect(storableKey('', 'x.png', '.advscreen.json')).toBe('x.png.advscreen.json');
  });

  it('files a key the stores refuse, or one too long once prefixed, under its hash', () => {
    for (const key of ['a\\b.png', 'a/../b.png', './b.png', 'x'.repeat(1020), '写'.repeat(340)]) {
      const filed = storableKey('outcomes/uploads', key, '.json');
      expect(filed).toBe(`outcomes/uploads/${hashed(key)}.json`);
      expect(Buffer.byteLength(filed)).toBeLessThanOrEqual(1024);
    }
    // 1,020 bytes of key fit alone, not with a prefix.
    expect(storableKey('', 'x'.repeat(1020))).toBe('x'.repeat(1020));
    expect(storableKey('held', 'x'.repeat(1020))).toBe(`held/${hashed('x'.repeat(1020))}`);
  });

  it('files a key that looks like a hashed name under its own hash, not on the files of the key it names', () => {
    const victim = 'a\\b.png';
    for (const lookalike of [hashed(victim), `${hashed(victim)}.png`]) {
      expect(storableKey('outcomes/uploads', lookalike, '.json')).toBe(
        `outcomes/uploads/${hashed(lookalike)}.json`,
      );
      expect(storableKey('outcomes/uploads', lookalike, '.json')).not.toBe(
        storableKey('outcomes/uploads', victim, '.json'),
      );
    }
    expect(storableKey('held', '~notes.png')).toBe('held/~notes.png');
  });
});
