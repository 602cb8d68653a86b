import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { RgbImage } from '@advscreen/contracts';
import { describe, expect, it } from 'vitest';
import { JOINT_FEATURES } from './joint-rule.ts';
import {
  checkSanity,
  decisionMargin,
  inspectImages,
  loadChecksFor,
  type ModelChecksFile,
  ModelChecksMismatchError,
  sanityShareOf,
  topMarginDrop,
} from './model-checks.ts';
import { BUNDLED_MODEL_SPEC, loadModelSpec } from './model-spec.ts';
import { createModelStage, inspectionSettings } from './model-stage.ts';
import type { ClassificationOutput, Model } from './onnx-model.ts';
import {
  jpegRoundTrip,
  medianFilter2x2,
  reduceBitDepth,
  translateImage,
  translationAdjoint,
} from './squeeze.ts';
import type { Detection, DetectionOutput } from './yolo-output.ts';

const prediction = (probabilities: number[]): ClassificationOutput => {
  const index = probabilities.indexOf(Math.max(...probabilities));
  return {
    kind: 'classification',
    label: `c${index}`,
    index,
    probability: probabilities[index] as number,
    probabilities,
  };
};

const detected = (detections: Detection[], flags: Partial<DetectionOutput> = {}): DetectionOutput => ({
  kind: 'detection',
  detections,
  nonFinite: false,
  outsideImage: 0,
  degenerate: 0,
  ...flags,
});
const car: Detection = { label: 'car', index: 0, score: 0.8, box: [0.1, 0.1, 0.5, 0.5] };

describe('squeezers', () => {
  it('reduces 8-bit values to the nearest of 2^bits levels', () => {
    const image: RgbImage = { width: 1, height: 1, data: Uint8Array.from([0, 100, 255]) };
    // 1 bit: levels 0 and 255; 100/255 = 0.39 rounds to 0.
    expect(Array.from(reduceBitDepth(image, 1).data)).toEqual([0, 0, 255]);
    // 5 bits: 31 levels; 100 -> round(12.16) = 12 -> 12/31*255 = 98.7 -> 99.
    expect(Array.from(reduceBitDepth(image, 5).data)).toEqual([0, 99, 255]);
  });

  it('takes the 2x2 median as the mean of the middle two values, edges replicated', () => {
    // Red channel 2x2: [10, 20 / 30, 200]; green and blue constant.
    const data = Uint8Array.from([10, 5, 5, 20, 5, 5, 30, 5, 5, 200, 5, 5]);
    const filtered = medianFilter2x2({ width: 2, height: 2, data });
    // (0,0): {10,20,30,200} -> 25; (1,0): {20,20,200,200} -> 110; (0,1): {30,200,30,200} -> 115; (1,1): 200.
    expect([filtered.data[0], filtered.data[3], filtered.data[6], filtered.data[9]]).toEqual([
      25, 110, 115, 200,
    ]);
    expect(filtered.data[1]).toBe(5);
  });

  it('translates right and down, repeating the first row and column into the gap', () => {
    // Red channel 3x2: [1, 2, 3 / 4, 5, 6].
    const data = Uint8Array.from([1, 2, 3, 4, 5, 6].flatMap((red) => [red, 0, 9]));
    const red = (image: RgbImage) => Array.from(image.data.filter((_, i) => i % 3 === 0));
    expect(red(translateImage({ width: 3, height: 2, data }, 1, 0))).toEqual([1, 1, 2, 4, 4, 5]);
    expect(red(translateImage({ width: 3, height: 2, data }, 1, 1))).toEqual([1, 1, 2, 1, 1, 2]);
    expect(red(translateImage({ width: 3, height: 2, data }, 2, 0))).toEqual([1, 1, 1, 4, 4, 4]);
    expect(red(translateImage({ width: 3, height: 2, data }, 0, 0))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(translateImage({ width: 3, height: 2, data }, 1, 1).data[2]).toBe(9);
  });

  it("carries a gradient back through a translation: the adjoint, <T x, g> = <x, T' g>", () => {
    const [width, height] = [5, 4];
    const x = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37) % 256);
    const g = Float32Array.from({ length: width * height * 3 }, (_, i) => Math.sin(i));
    const dot = (a: ArrayLike<number>, b: ArrayLike<number>) =>
      Array.from(a).reduce((sum, v, i) => sum + v * (b[i] as number), 0);
    for (const [dx, dy] of [
      [2, 2],
      [1, 0],
      [0, 3],
    ] as const) {
      const moved = translateImage({ width, height, data: x }, dx, dy).data;
      expect(dot(x, translationAdjoint(g, width, height, dx, dy))).toBeCloseTo(dot(moved, g), 3);
    }
  });

  it('round-trips through JPEG: same size, fine noise gone, flat areas kept', async () => {
    const width = 16;
    const height = 16;
    let seed = 5;
    const data = Uint8Array.from({ length: width * height * 3 }, () => {
      seed = (seed * 16807) % 2147483647;
      return 128 + ((seed >> 8) & 1 ? 6 : -6);
    });
    const squeezed = await jpegRoundTrip({ width, height, data }, 50);
    expect([squeezed.width, squeezed.height, squeezed.data.length]).toEqual([width, height, data.length]);
    const meanAbsoluteDeviation = (pixels: Uint8Array) =>
      pixels.reduce((sum, v) => sum + Math.abs(v - 128), 0) / pixels.length;
    expect(meanAbsoluteDeviation(squeezed.data)).toBeLessThan(meanAbsoluteDeviation(data) / 2);
  });
});

describe('checkSanity', () => {
  it('accepts a normal softmax output', () => expect(checkSanity(prediction([0.7, 0.3]), 0.99)).toBeNull());
  it('flags non-finite outputs', () =>
    expect(checkSanity(prediction([Number.NaN, 0.3]), null)).toBe('non_finite_output'));
  it('flags outputs that do not sum to one', () =>
    expect(checkSanity(prediction([0.7, 0.7]), null)).toBe('probabilities_do_not_sum_to_one'));
  it('flags more confidence than clean data showed', () => {
    expect(checkSanity(prediction([0.9999, 0.0001]), 0.999)).toBe('implausible_confidence');
    expect(checkSanity(prediction([0.9999, 0.0001]), null)).toBeNull();
  });
  it('flags an answer on a decision boundary, by the top-two margin', () => {
    // log(0.40 / 0.39) = 0.025, log(0.6 / 0.3) = 0.69.
    expect(checkSanity(prediction([0.4, 0.39, 0.21]), null, 0.05)).toBe('prediction_on_decision_boundary');
    expect(checkSanity(prediction([0.6, 0.3, 0.1]), null, 0.05)).toBeNull();
    expect(checkSanity(prediction([0.4, 0.39, 0.21]), null, null)).toBeNull();
    expect(decisionMargin(prediction([0.21, 0.4, 0.39]))).toBeCloseTo(Math.log(0.4 / 0.39), 12);
    expect(decisionMargin(detected([car]))).toBeNull();
  });
  it('accepts plausible detections, and no detections at all', () => {
    expect(checkSanity(detected([car]), 0.95)).toBeNull();
    expect(checkSanity(detected([]), 0.95)).toBeNull();
  });
  it('flags non-finite, degenerate and outside-the-image detection outputs', () => {
    expect(checkSanity(detected([car], { nonFinite: true }), null)).toBe('non_finite_output');
    expect(checkSanity(detected([car], { degenerate: 1 }), null)).toBe('degenerate_box');
    expect(checkSanity(detected([car], { outsideImage: 1 }), null)).toBe('box_outside_image');
  });
  it('flags a detection scored above the clean bound', () =>
    expect(checkSanity(detected([{ ...car, score: 0.99 }]), 0.95)).toBe('implausible_confidence'));
});

describe('topMarginDrop', () => {
  it("is the lead the image's top class loses over the next class in the squeezed copy", () => {
    expect(topMarginDrop(prediction([0.6, 0.3, 0.1]), prediction([0.3, 0.6, 0.1]))).toBeCloseTo(
      2 * Math.log(2),
    );
    // Probabilities that move while the top class keeps a larger lead: negative.
    expect(topMarginDrop(prediction([0.5, 0.4, 0.1]), prediction([0.7, 0.1, 0.2]))).toBeCloseTo(
      Math.log(1.25) - Math.log(3.5),
    );
    expect(topMarginDrop(detected([car]), detected([car]))).toBeNull();
  });
});

/**
 * A checks file whose joint rule's score is the detector's score (it fires above 0 whatever the
 * distance), beside a consistency threshold of its own.
 */
function checksWithDetectorScoreRule(options: { consistencyThreshold: number; detector?: string }) {
  return {
    format: 'advscreen-model-checks' as const,
    model: 'fake@1',
    consistency: {
      squeezers: ['median2x2' as const],
      threshold: options.consistencyThreshold,
      targetFpr: 0.01,
      expectedFpr: { estimate: 0, low: 0, high: 0, heldOut: 1 },
    },
    confidenceBound: 1,
    joint: {
      features: [...JOINT_FEATURES],
      model: {
        mean: JOINT_FEATURES.map(() => 0),
        scale: JOINT_FEATURES.map(() => 1),
        weights: JOINT_FEATURES.map((name) => (name === 'detectorScore' ? 1 : 0)),
        bias: 0,
      },
      threshold: 0,
      targetFpr: 0.02,
      ...(options.detector ? { detector: options.detector } : {}),
    },
    sample: { location: 'test', images: 1 },
    createdAt: 'now',
  };
}

describe('inspectImages', () => {
  /** Fake model: "class 1" probability is the mean red value of the image. */
  const classifier = {
    spec: {} as Model['spec'],
    calls: [] as number[],
    async run(images: readonly RgbImage[]) {
      this.calls.push(images.length);
      return images.map((image) => {
        let red = 0;
        for (let i = 0; i < image.data.length; i += 3) red += image.data[i] as number;
        const p = red / (image.data.length / 3) / 255;
        return prediction([1 - p, p]);
      });
    },
    async close() {},
  };
  const speckled: RgbImage = {
    width: 2,
    height: 2,
    data: Uint8Array.from([255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
  };
  const flat: RgbImage = { width: 2, height: 2, data: new Uint8Array(12).fill(128) };

  it('runs each image and its squeezed copy in one model call and flags disagreement', async () => {
    classifier.calls = [];
    const [a, b] = await inspectImages(classifier, [speckled, flat], {
      consistency: { squeezers: ['median2x2'], threshold: 0.1 },
      confidenceBound: null,
    });
    expect(classifier.calls).toEqual([4]);
    expect(a?.consistency).toBeGreaterThan(0.1);
    expect(a?.failure).toEqual({ layer: 'consistency', reason: 'squeezed_prediction_disagrees' });
    expect(b?.consistency).toBe(0);
    expect(b?.failure).toBeNull();
    // The speck made class 1 a quarter likely; without it class 0's lead only grows.
    expect(a?.marginDrop).toBeCloseTo(Math.log(3) - Math.log(1e12), 6);
    expect(b?.marginDrop).toBe(0);
  });

  it('runs the translated copy in the same call when asked, and says how far the answer moved', async () => {
    classifier.calls = [];
    const [a, b] = await inspectImages(classifier, [speckled, flat], {
      consistency: { squeezers: ['median2x2'], threshold: Number.POSITIVE_INFINITY },
      confidenceBound: null,
      translatedCopy: true,
    });
    expect(classifier.calls).toEqual([6]);
    // Moved 2 pixels right and down, the 2x2 image is its top-left pixel, red: class 1 certain.
    expect(a?.translated?.distance).toBeCloseTo(1.5, 6);
    expect(a?.translated?.marginDrop).toBeCloseTo(Math.log(3) - Math.log(1e-12 / 1), 6);
    expect(b?.translated).toEqual({ distance: 0, marginDrop: 0 });
    const [off] = await inspectImages(classifier, [speckled], {
      consistency: { squeezers: ['median2x2'], threshold: Number.POSITIVE_INFINITY },
      confidenceBound: null,
    });
    expect(off?.translated).toBeNull();
    // Only the images that want it get a translated copy.
    classifier.calls = [];
    const [without, withCopy] = await inspectImages(
      classifier,
      [speckled, flat],
      {
        consistency: { squeezers: ['median2x2'], threshold: Number.POSITIVE_INFINITY },
        confidenceBound: null,
        translatedCopy: true,
      },
      [false, true],
    );
    expect(classifier.calls).toEqual([5]);
    expect(without?.translated).toBeNull();
    expect(withCopy?.translated).toEqual({ distance: 0, marginDrop: 0 });
  });

  it('lets a joint rule decide the consistency check, with the detector score the image came with', async () => {
    const checks = checksWithDetectorScoreRule({ consistencyThreshold: 0.01 });
    const settings = inspectionSettings(checks, true);
    expect(settings.consistency?.threshold).toBe(Number.POSITIVE_INFINITY);
    const model = { ...classifier, spec: { id: 'fake', version: '1', input: { size: 2 } } as Model['spec'] };
    const stage = createModelStage(model, settings, { maxBatch: 4, maxWaitMs: 1 });
    const flagged = await stage.inspect(speckled, { detector: 'any@1', score: 1, jpegInput: false });
    const passed = await stage.inspect(speckled, { detector: 'any@1', score: -1, jpegInput: false });
    await stage.drain();
    expect(flagged.failure).toEqual({ layer: 'consistency', reason: 'joint_score_above_threshold' });
    expect(passed.failure).toBeNull();
    expect(passed.consistency).toBeGreaterThan(0.01);
    expect(inspectionSettings(checks, false)).toMatchObject({
      consistency: null,
      joint: null,
      translatedCopy: false,
    });
    // The rule reads the translated copy, so the stage runs it; a rule of the first ten terms does not.
    expect(settings.translatedCopy).toBe(true);
    const tenTerms = JOINT_FEATURES.slice(0, 10);
    const earlier = {
      ...checks,
      joint: {
        ...checks.joint,
        features: tenTerms,
        model: {
          mean: tenTerms.map(() => 0),
          scale: tenTerms.map(() => 1),
          weights: tenTerms.map(() => 0),
          bias: 0,
        },
      },
    };
    expect(inspectionSettings(earlier, true).translatedCopy).toBe(false);
    // A checks file with a decision-margin bound hands it to the sanity check, consistency on or off.
    const withMargin = { ...checks, decisionMargin: { bound: 0.01, exceedance: 0.001, images: 600 } };
    expect(inspectionSettings(withMargin, true).marginBound).toBe(0.01);
    expect(inspectionSettings(withMargin, false).marginBound).toBe(0.01);
    expect(inspectionSettings(checks, true).marginBound).toBeNull();
  });

  it("decides by the check's own threshold for images another detector than the joint rule's scored", async () => {
    const checksWith = (consistencyThreshold: number) =>
      checksWithDetectorScoreRule({ consistencyThreshold, detector: 'residual@2' });
    const model = { ...classifier, spec: { id: 'fake', version: '1', input: { size: 2 } } as Model['spec'] };
    const others: string[] = [];
    const strict = createModelStage(
      model,
      inspectionSettings(checksWith(0.01), true),
      { maxBatch: 4, maxWaitMs: 1 },
      { onOtherDetector: (d) => others.push(d) },
    );
    const lenient = createModelStage(model, inspectionSettings(checksWith(10), true), {
      maxBatch: 4,
      maxWaitMs: 1,
    });
    model.calls = [];
    const own = await strict.inspect(speckled, { detector: 'residual@2', score: -1, jpegInput: false });
    const newer = await strict.inspect(speckled, { detector: 'residual@3', score: -1, jpegInput: false });
    // The translated copy is run only for the rule, which another detector's images do not reach.
    expect(model.calls).toEqual([3, 2]);
    expect(own.translatedDistance).not.toBeNull();
    expect(newer.translatedDistance).toBeNull();
    const newerHighScore = await lenient.inspect(speckled, {
      detector: 'residual@3',
      score: 5,
      jpegInput: false,
    });
    await Promise.all([strict.drain(), lenient.drain()]);
    // The rule's own detector: the rule decides (score -1 passes whatever the distance).
    expect(own.failure).toBeNull();
    // Another detector: the distance against the check's threshold, the score not read.
    expect(newer.failure).toEqual({ layer: 'consistency', reason: 'squeezed_prediction_disagrees' });
    expect(newerHighScore.failure).toBeNull();
    expect(others).toEqual(['residual@3']);
  });

  it('skips the squeezed copies when the check is off', async () => {
    classifier.calls = [];
    const [a] = await inspectImages(classifier, [speckled], { consistency: null, confidenceBound: null });
    expect(classifier.calls).toEqual([1]);
    expect(a?.consistency).toBeNull();
    expect(a?.marginDrop).toBeNull();
  });
});

describe('loadChecksFor', () => {
  const spec = loadModelSpec(BUNDLED_MODEL_SPEC);

  it("takes the spec's checks unless another file is named, and says which", () => {
    const bundled = loadChecksFor(spec);
    expect(bundled.checks?.model).toBe('mobilenetv2-moderation@nsfwjs-4.3.0');
    expect(bundled.source).toMatch(
      /^the checks its spec names \(.*checks\.json\), calibrated on 1728 clean images .*calibrate-model/,
    );
    const named = loadChecksFor(spec, spec.checksPath);
    expect(named.source).toMatch(new RegExp(`^${spec.checksPath}, calibrated on 1728 clean images`));
    expect(loadChecksFor({ ...spec, checksPath: undefined })).toEqual({
      checks: undefined,
      source: expect.stringMatching(/^none: no checks file/),
    });
  });

  it('bundles the joint rule with a floor under the detector score (stop 44), on all its terms', () => {
    const joint = loadChecksFor(spec).checks?.joint;
    expect(joint?.detectorFloor).toBe(-3);
    expect(joint?.features).toEqual(JOINT_FEATURES);
  });

  it("refuses another model's checks", () => {
    expect(() => loadChecksFor({ ...spec, version: 'other' })).toThrow(ModelChecksMismatchError);
  });

  it("refuses a joint rule set on another detector's scores; a rule that names none is taken", async () => {
    const bundled = loadChecksFor(spec).checks as ModelChecksFile;
    expect(bundled.joint?.detector).toBe('residual-cooccurrence@23');
    expect(loadChecksFor(spec, undefined, 'residual-cooccurrence@23').checks).toEqual(bundled);
    expect(() => loadChecksFor(spec, undefined, 'residual-cooccurrence@9')).toThrow(
      /joint rule was set on the scores of residual-cooccurrence@23, but the detector is residual-cooccurrence@9: run advscreen calibrate-model again/,
    );
    const { detector: _, ...unnamed } = bundled.joint as NonNullable<ModelChecksFile['joint']>;
    const file = path.join(await mkdtemp(path.join(tmpdir(), 'advscreen-checks-')), 'checks.json');
    await writeFile(file, JSON.stringify({ ...bundled, joint: unnamed }));
    expect(loadChecksFor(spec, file, 'residual-cooccurrence@9').checks?.joint).toEqual(unnamed);
  });
});

describe('sanityShareOf', () => {
  it('adds the exceedances the confidence and decision-margin bounds were fitted for', () => {
    expect(
      sanityShareOf({
        confidenceFit: { method: 'tail', exceedance: 0.001, images: 600 },
        decisionMargin: { bound: 0.02, exceedance: 0.002, images: 600 },
      }),
    ).toBeCloseTo(0.003, 12);
    expect(sanityShareOf({ confidenceFit: { method: 'max', exceedance: 0.001, images: 20 } })).toBe(0.001);
    // Files from before either fit have no share to leave.
    expect(sanityShareOf({})).toBe(0);
  });
});
