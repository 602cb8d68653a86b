import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RgbImage } from '@advscreen/contracts';
import { createOnnxModel, inspectImages, loadModelSpec, ModelChecksFile } from '@advscreen/inference';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from './support/cli.ts';
import { buildToyDetector, TOY_DETECTOR_LABELS } from './support/onnx-builder.ts';
import { readVerdicts } from './support/verdicts.ts';

const SIZE = 64;
const CELL = 8;
const PHOTOS = path.join(REPO_ROOT, 'test/fixtures/photos');

/** Writes a toy YOLOv8-layout detector and its spec; returns the spec's path. */
async function writeToyDetector(dir: string, options: { boxOffset?: number } = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'model.onnx'),
    buildToyDetector({ size: SIZE, grid: SIZE / CELL, boxSide: 3 * CELL, ...options }),
  );
  const spec = {
    format: 'advscreen-model-spec',
    id: 'toy-detector',
    version: options.boxOffset ? 'offset' : '1',
    path: 'model.onnx',
    input: {
      name: 'images',
      size: SIZE,
      layout: 'NCHW',
      colour: 'RGB',
      scale: 255,
      mean: [0, 0, 0],
      std: [1, 1, 1],
    },
    output: { name: 'output0', kind: 'detection', layout: 'yolov8', scoreThreshold: 0.5, iouThreshold: 0.45 },
    labels: TOY_DETECTOR_LABELS,
  };
  const file = path.join(dir, 'spec.json');
  await writeFile(file, JSON.stringify(spec));
  return file;
}

/** A grey image with solid rectangles, in model-input pixels. */
function paint(
  rects: { x: number; y: number; w: number; h: number; rgb: [number, number, number] }[],
): RgbImage {
  const data = new Uint8Array(3 * SIZE * SIZE).fill(128);
  for (const { x, y, w, h, rgb } of rects) {
    for (let row = y; row < y + h; row++)
      for (let col = x; col < x + w; col++) data.set(rgb, 3 * (row * SIZE + col));
  }
  return { width: SIZE, height: SIZE, data };
}

let dir: string;
let specFile: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'advscreen-detection-model-'));
  specFile = await writeToyDetector(path.join(dir, 'toy'));
});

describe('a YOLOv8-layout detection model through onnxruntime', () => {
  it('decodes boxes and classes, with NMS merging a blob that spans two cells', async () => {
    const model = await createOnnxModel(loadModelSpec(specFile), 'cpu');
    try {
      const scene = paint([
        { x: 2 * CELL, y: 2 * CELL, w: 2 * CELL, h: CELL, rgb: [255, 0, 0] },
        { x: 5 * CELL, y: 6 * CELL, w: CELL, h: CELL, rgb: [0, 255, 0] },
      ]);
      const [output, empty] = await model.run([scene, paint([])]);
      if (output?.kind !== 'detection' || empty?.kind !== 'detection')
        throw new Error('not a detection output');
      expect(output.detections.map((d) => d.label).sort()).toEqual(['green', 'red']);
      const red = output.detections.find((d) => d.label === 'red');
      // One of the two red cells' candidates: 3 cells wide, centred on its cell.
      const centres = [2.5, 3.5].map((c) => c / 8);
      expect(centres.some((c) => Math.abs(((red?.box[0] ?? 0) + (red?.box[2] ?? 0)) / 2 - c) < 1e-6)).toBe(
        true,
      );
      expect(red?.box[3]).toBeCloseTo((2.5 * CELL + 1.5 * CELL) / SIZE, 6);
      expect(output).toMatchObject({ nonFinite: false, outsideImage: 0, degenerate: 0 });
      expect(empty.detections).toEqual([]);
    } finally {
      await model.close();
    }
  });

  it('scores squeezed-copy disagreement and flags boxes outside the image', async () => {
    const model = await createOnnxModel(loadModelSpec(specFile), 'cpu');
    const offsetModel = await createOnnxModel(
      loadModelSpec(await writeToyDetector(path.join(dir, 'offset'), { boxOffset: 100 })),
      'cpu',
    );
    try {
      const blob = paint([{ x: 3 * CELL, y: 3 * CELL, w: CELL, h: CELL, rgb: [255, 0, 0] }]);
      // A dark red cell with one bright pixel per 2x2 block scores 0.84; the 2x2 median erases the
      // bright pixels and the cell drops to 0.32, under the threshold.
      const speckled = paint([{ x: 4 * CELL, y: CELL, w: CELL, h: CELL, rgb: [48, 0, 0] }]);
      for (let y = CELL; y < 2 * CELL; y += 2)
        for (let x = 4 * CELL; x < 5 * CELL; x += 2) speckled.data.set([255, 0, 0], 3 * (y * SIZE + x));
      const settings = {
        consistency: { squeezers: ['median2x2' as const], threshold: 0.5 },
        confidenceBound: null,
      };
      const [solid, fragile] = await inspectImages(model, [blob, speckled], settings);
      expect(solid).toMatchObject({ consistency: 0, failure: null, prediction: { label: 'red' } });
      expect(fragile?.prediction?.label).toBe('red');
      expect(fragile?.consistency).toBe(1);
      expect(fragile?.failure).toEqual({ layer: 'consistency', reason: 'squeezed_prediction_disagrees' });

      const [outside] = await inspectImages(offsetModel, [blob], {
        consistency: null,
        confidenceBound: null,
      });
      expect(outside?.failure).toEqual({ layer: 'sanity', reason: 'box_outside_image' });
    } finally {
      await model.close();
      await offsetModel.close();
    }
  });
});

describe('the embedded cascade with a detection model', () => {
  it('scan --model writes detections, with the model input decoded at its own size', async () => {
    const folder = path.join(dir, 'photos');
    await mkdir(folder, { recursive: true });
    for (const name of ['dog_0.png', 'kite_1.jpg'])
      await copyFile(path.join(PHOTOS, name), path.join(folder, name));
    // A real photo with a red label stuck on it, covering model cells (3..4, 2) exactly.
    const { width = 0, height = 0 } = await sharp(path.join(PHOTOS, 'dog_0.png')).metadata();
    const label = await sharp({
      create: {
        width: Math.round(width / 4),
        height: Math.round(height / 8),
        channels: 3,
        background: '#ff0000',
      },
    })
      .png()
      .toBuffer();
    await sharp(path.join(PHOTOS, 'dog_0.png'))
      .composite([{ input: label, left: Math.round((3 * width) / 8), top: Math.round(height / 4) }])
      .png()
      .toFile(path.join(folder, 'dog_0_labelled.png'));

    const out = path.join(dir, 'v.jsonl');
    const result = await runCli(['scan', folder, '--model', specFile, '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const records = await readVerdicts(out);
    expect(records.map((r) => r.key).sort()).toEqual(['dog_0.png', 'dog_0_labelled.png', 'kite_1.jpg']);
    for (const record of records.filter((r) => r.layer !== 'detector')) {
      expect(record.detections).toBeInstanceOf(Array);
      expect(record.consistency).toBeNull(); // no checks file for the toy model
    }
    const labelled = records.find((r) => r.key === 'dog_0_labelled.png');
    expect(labelled?.verdict).toBe('clean');
    const red = labelled?.detections?.find((d) => d.label === 'red');
    expect(red).toBeDefined();
    const [x1, y1, x2, y2] = red?.box ?? [0, 0, 0, 0];
    expect((x1 + x2) / 2).toBeGreaterThan(3 / 8);
    expect((x1 + x2) / 2).toBeLessThan(5 / 8);
    expect((y1 + y2) / 2).toBeGreaterThan(1 / 4);
    expect((y1 + y2) / 2).toBeLessThan(3 / 8);
  });

  it('calibrate-model fits the detection checks on clean photos', async () => {
    const out = path.join(dir, 'toy-checks.json');
    const result = await runCli([
      'calibrate-model',
      PHOTOS,
      '--model',
      specFile,
      '--out',
      out,
      '--target-fpr',
      '0.2',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const checks = ModelChecksFile.parse(JSON.parse(await readFile(out, 'utf8')));
    expect(checks.model).toBe('toy-detector@1');
    expect(checks.consistency.threshold).toBeGreaterThanOrEqual(0);
    expect(checks.consistency.threshold).toBeLessThanOrEqual(1);
    expect(checks.confidenceBound).toBeLessThanOrEqual(1);
  });
});
