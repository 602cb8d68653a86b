import { describe, expect, it } from 'vitest';
import { boxIoU, decodeYoloV8, nonMaxSuppression } from './yolo-output.ts';

const settings = {
  inputSize: 100,
  labels: ['cat', 'dog'],
  scoreThreshold: 0.25,
  iouThreshold: 0.45,
  maxDetections: 10,
};

/** Lays candidates out as a YOLOv8 export does: one row per field, one column per anchor. */
function yoloOutput(anchors: { cx: number; cy: number; w: number; h: number; scores: number[] }[]) {
  const rows = [
    anchors.map((a) => a.cx),
    anchors.map((a) => a.cy),
    anchors.map((a) => a.w),
    anchors.map((a) => a.h),
    ...settings.labels.map((_, c) => anchors.map((a) => a.scores[c] as number)),
  ];
  return Float32Array.from(rows.flat());
}

describe('boxIoU', () => {
  it('is intersection over union, 0 for disjoint boxes', () => {
    expect(boxIoU([0, 0, 2, 2], [1, 0, 3, 2])).toBeCloseTo(2 / 6, 12);
    expect(boxIoU([0, 0, 1, 1], [2, 2, 3, 3])).toBe(0);
    expect(boxIoU([0, 0, 1, 1], [0, 0, 1, 1])).toBe(1);
  });
});

describe('nonMaxSuppression', () => {
  it('keeps the best of overlapping boxes of one class, and overlapping boxes of other classes', () => {
    const kept = nonMaxSuppression(
      [
        { index: 0, score: 0.6, box: [0, 0, 10, 10] },
        { index: 0, score: 0.9, box: [1, 0, 11, 10] },
        { index: 1, score: 0.7, box: [0, 0, 10, 10] },
        { index: 0, score: 0.5, box: [50, 50, 60, 60] },
      ],
      0.45,
      10,
    );
    expect(kept.map((k) => k.score)).toEqual([0.9, 0.7, 0.5]);
  });

  it('stops at the maximum number of detections', () => {
    const many = Array.from({ length: 5 }, (_, i) => ({
      index: 0,
      score: i / 10,
      box: [i * 20, 0, i * 20 + 10, 10] as [number, number, number, number],
    }));
    expect(nonMaxSuppression(many, 0.45, 2).map((k) => k.score)).toEqual([0.4, 0.3]);
  });
});

describe('decodeYoloV8', () => {
  it('decodes centre boxes to clipped fractions, best class per anchor, threshold then NMS', () => {
    const output = decodeYoloV8(
      yoloOutput([
        { cx: 30, cy: 30, w: 20, h: 20, scores: [0.1, 0.8] },
        { cx: 31, cy: 30, w: 20, h: 20, scores: [0.05, 0.7] }, // suppressed by the first
        { cx: 80, cy: 50, w: 20, h: 40, scores: [0.6, 0.2] },
        { cx: 50, cy: 50, w: 10, h: 10, scores: [0.2, 0.1] }, // below the threshold
        { cx: 95, cy: 95, w: 20, h: 20, scores: [0.3, 0] }, // crosses the corner: clipped
      ]),
      settings,
    );
    expect(output.detections.map((d) => [d.label, d.score])).toEqual([
      ['dog', expect.closeTo(0.8, 6)],
      ['cat', expect.closeTo(0.6, 6)],
      ['cat', expect.closeTo(0.3, 6)],
    ]);
    expect(output.detections[0]?.box).toEqual([0.2, 0.2, 0.4, 0.4]);
    expect(output.detections[1]?.box).toEqual([0.7, 0.3, 0.9, 0.7]);
    expect(output.detections[2]?.box).toEqual([0.85, 0.85, 1, 1]);
    expect(output).toMatchObject({ nonFinite: false, outsideImage: 0, degenerate: 0 });
  });

  it('counts kept boxes mostly outside the image, and degenerate ones', () => {
    const output = decodeYoloV8(
      yoloOutput([
        { cx: 105, cy: 50, w: 20, h: 20, scores: [0.9, 0] }, // a quarter inside
        { cx: 50, cy: 50, w: 0.2, h: 20, scores: [0, 0.9] }, // a fifth of a pixel wide
      ]),
      settings,
    );
    expect(output).toMatchObject({ outsideImage: 1, degenerate: 1 });
  });

  it('notices NaN or Infinity anywhere in the output', () => {
    const values = yoloOutput([{ cx: 50, cy: 50, w: 10, h: 10, scores: [Number.NaN, 0.1] }]);
    expect(decodeYoloV8(values, settings).nonFinite).toBe(true);
    const boxes = yoloOutput([{ cx: Number.POSITIVE_INFINITY, cy: 50, w: 10, h: 10, scores: [0.9, 0.1] }]);
    expect(decodeYoloV8(boxes, settings)).toMatchObject({ nonFinite: true, detections: [] });
  });

  it('refuses an output whose length does not fit the labels', () =>
    expect(() => decodeYoloV8(new Float32Array(7), settings)).toThrow(/4\+2 rows/));
});
