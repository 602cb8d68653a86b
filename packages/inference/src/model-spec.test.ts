import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelSpec } from './model-spec.ts';

describe('loadModelSpec', () => {
  it('says which spec it could not read, and why a readable one is not valid', () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'advscreen-spec-'));
    expect(() => loadModelSpec(path.join(folder, 'missing.json'))).toThrow(
      /^cannot read model spec .*missing\.json: ENOENT/,
    );
    const notJson = path.join(folder, 'notes.json');
    writeFileSync(notJson, '# not json');
    expect(() => loadModelSpec(notJson)).toThrow(/^cannot read model spec .*notes\.json: .*JSON/);
    const empty = path.join(folder, 'empty.json');
    writeFileSync(empty, '{}');
    expect(() => loadModelSpec(empty)).toThrow(/empty\.json is not a valid model spec: /);
  });
});
