// The corpus scripts that draw SVG (graphics, captions) run in a process where importing the
// project's packages blocks sharp's SVG loader (imaging's decode restriction): a regression that
// once left both documented commands failing on their first drawing.
import { copyFile, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runScript } from './support/cli.ts';

describe('corpus scripts that draw SVG', () => {
  it('graphics-corpus draws the committed fixtures again, byte for byte', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'advscreen-graphics-'));
    const run = await runScript('graphics-corpus.ts', [
      '--out',
      out,
      '--count',
      '16',
      '--seed',
      '99',
      '--sizes',
      '224',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const fixtures = path.join(REPO_ROOT, 'test/fixtures/graphics');
    expect(await readFile(path.join(out, 'img', '0001_window_224x224.png'))).toEqual(
      await readFile(path.join(fixtures, 'window.png')),
    );
    expect(await readFile(path.join(out, 'img', '0015_chart_subpixel_224x224.png'))).toEqual(
      await readFile(path.join(fixtures, 'chart.png')),
    );
  });

  it('caption-corpus draws captions on fixture photos', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'advscreen-captions-'));
    const photos = ['dog_0.png', 'kite_1.png'];
    for (const file of photos)
      await copyFile(path.join(REPO_ROOT, 'test/fixtures/photos', file), path.join(dir, file));
    const manifest = path.join(dir, 'manifest.jsonl');
    await writeFile(
      manifest,
      photos
        .map((file) => JSON.stringify({ path: file, kind: 'clean', source_photo: file, format: 'png' }))
        .join('\n'),
    );
    const out = path.join(dir, 'out');
    const run = await runScript('caption-corpus.ts', ['--manifest', manifest, '--out', out]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = (await readFile(path.join(out, 'manifest.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(4);
    expect((await readdir(out, { recursive: true })).filter((f) => /\.(png|jpg)$/.test(f))).toHaveLength(4);
  });
});
