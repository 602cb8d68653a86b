import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { VerdictRecord } from '@advscreen/contracts';
import { describe, expect, it } from 'vitest';
import { createVerdictFileWriter } from './verdict-writer.ts';

const base = { threshold: 0.5, detector: 'test@1', bytes: 10, format: 'png', ms: 1.5 };

describe('createVerdictFileWriter', () => {
  it('writes one schema-valid JSON object per line', async () => {
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'advscreen-jsonl-')), 'v.jsonl');
    const writer = await createVerdictFileWriter(file);
    await writer.write({
      ...base,
      key: 'a "quoted"\nname.png',
      verdict: 'clean',
      score: 0.1,
      signals: { x: 1 },
    });
    await writer.write({
      ...base,
      key: 'b.png',
      verdict: 'rejected',
      score: null,
      signals: {},
      reason: 'corrupt',
      detail: 'bad',
    });
    await writer.close();
    const lines = (await readFile(file, 'utf8')).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    const records = lines.slice(0, 2).map((line) => VerdictRecord.parse(JSON.parse(line)));
    expect(records.map((r) => r.key)).toEqual(['a "quoted"\nname.png', 'b.png']);
    expect(records[1]?.reason).toBe('corrupt');
  });

  it('fails at once when its folder cannot be made, not spinning forever as a recursive mkdir does under /proc', async () => {
    await expect(createVerdictFileWriter('/proc/advscreen-no-such/verdicts.jsonl')).rejects.toThrow(/ENOENT/);
  }, 5_000);

  it('fails on close when the file cannot be written', async () => {
    const writer = await createVerdictFileWriter('/proc/advscreen-cannot-write-here.jsonl');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await expect(writer.close()).rejects.toThrow(/ENOENT|EACCES|EROFS/);
  });
});
