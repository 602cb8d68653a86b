import type { VerdictRecord } from '@advscreen/contracts';
import { describe, expect, it } from 'vitest';
import { applyModelVerdict, detectorReading } from './model-stage.ts';

const clean: VerdictRecord = {
  key: 'a.png',
  verdict: 'clean',
  score: -2,
  threshold: 0,
  signals: {},
  detector: 'd@1',
  bytes: 10,
  format: 'png',
  ms: 3,
};

describe('applyModelVerdict', () => {
  it('keeps a clean verdict and adds the prediction and the check scores', () => {
    const record = applyModelVerdict(clean, {
      prediction: { label: 'Neutral', probability: 0.99 },
      consistency: 0.02,
      translatedDistance: 0.01,
      failure: null,
    });
    expect(record).toMatchObject({
      verdict: 'clean',
      layer: null,
      consistency: 0.02,
      translatedDistance: 0.01,
      prediction: { label: 'Neutral' },
    });
  });

  it('turns a failed model check into an adversarial verdict naming the layer', () => {
    const record = applyModelVerdict(clean, {
      prediction: { label: 'Drawing', probability: 0.6 },
      consistency: 1.4,
      translatedDistance: null,
      failure: { layer: 'consistency', reason: 'squeezed_prediction_disagrees' },
    });
    expect(record).toMatchObject({
      verdict: 'adversarial',
      layer: 'consistency',
      detail: 'squeezed_prediction_disagrees',
      score: -2,
    });
  });
});

describe('detectorReading', () => {
  it("calls an input JPEG for the joint rule only when the model sees it on its own blocks, not a JPEG thumbnail's upscale", () => {
    expect(detectorReading('d@1', { score: -1, signals: { jpegBranch: 1 } })).toEqual({
      detector: 'd@1',
      score: -1,
      jpegInput: true,
    });
    expect(detectorReading('d@1', { score: -1, signals: { jpegBranch: 1, thumbnail: 1 } }).jpegInput).toBe(
      false,
    );
    expect(detectorReading('d@1', { score: null, signals: { jpegBranch: 0 } })).toEqual({
      detector: 'd@1',
      score: 0,
      jpegInput: false,
    });
  });
});
