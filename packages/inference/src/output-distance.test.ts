import { describe, expect, it } from 'vitest';
import type { ClassificationOutput } from './onnx-model.ts';
import { detectionDisagreement, outputDistance } from './output-distance.ts';
import type { Detection } from './yolo-output.ts';

const probabilities = (values: number[]): ClassificationOutput => ({
  kind: 'classification',
  label: 'a',
  index: 0,
  probability: values[0] as number,
  probabilities: values,
});
const box = (index: number, x1: number, y1: number, x2: number, y2: number): Detection => ({
  label: `c${index}`,
  index,
  score: 0.9,
  box: [x1, y1, x2, y2],
});

describe('outputDistance', () => {
  it('is the L1 distance between classification probabilities', () =>
    expect(outputDistance(probabilities([0.9, 0.1]), probabilities([0.3, 0.7]))).toBeCloseTo(1.2, 12));

  it('refuses to compare a classification with a detection', () =>
    expect(() =>
      outputDistance(probabilities([1]), {
        kind: 'detection',
        detections: [],
        nonFinite: false,
        outsideImage: 0,
        degenerate: 0,
      }),
    ).toThrow(/different kinds/));
});

describe('detectionDisagreement', () => {
  const a = box(0, 0, 0, 0.4, 0.4);
  const b = box(1, 0.5, 0.5, 0.9, 0.9);

  it('is 0 for identical sets and for two empty sets', () => {
    expect(detectionDisagreement([a, b], [b, a])).toBe(0);
    expect(detectionDisagreement([], [])).toBe(0);
  });

  it('is 1 when no box has a counterpart', () => {
    expect(detectionDisagreement([a], [])).toBe(1);
    expect(detectionDisagreement([a], [b])).toBe(1);
    // Same place, other class: a different answer, not a match.
    expect(detectionDisagreement([a], [{ ...a, index: 1, label: 'c1' }])).toBe(1);
  });

  it('counts a matched pair by its IoU and an extra box as a miss', () => {
    // Shifted by a quarter of the width: IoU = 0.3*0.4 / (2*0.16 - 0.12) = 0.6.
    const shifted = box(0, 0.1, 0, 0.5, 0.4);
    expect(detectionDisagreement([a], [shifted])).toBeCloseTo(1 - 0.6, 12);
    // One matched exactly, one extra in the squeezed copy: 1 - 2*1/3.
    expect(detectionDisagreement([a], [a, b])).toBeCloseTo(1 / 3, 12);
  });

  it('does not match boxes overlapping less than IoU 0.5', () => {
    const farShifted = box(0, 0.2, 0, 0.6, 0.4); // IoU 1/3
    expect(detectionDisagreement([a], [farShifted])).toBe(1);
  });
});
