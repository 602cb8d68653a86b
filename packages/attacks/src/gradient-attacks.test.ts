import type { FloatRgbImage, RgbImage } from '@advscreen/contracts';
import { describe, expect, it } from 'vitest';
import { crossEntropySeed, cwL2, fgsm, type GradientVictim, pgd } from './gradient-attacks.ts';
import { seededRandom } from './square-attack.ts';

/** A linear "model" on a 2x1 image: logits = weights . pixels / 100; its loss gradient is exact. */
function linearVictim(weights: number[][]): GradientVictim {
  const logitsOf = (x: ArrayLike<number>) =>
    weights.map((row) => row.reduce((sum, w, i) => sum + (w * (x[i] as number)) / 100, 0));
  return {
    logitsOf: async (images: readonly FloatRgbImage[]) => images.map((image) => logitsOf(image.data)),
    gradientsOf: async (images, seeds) =>
      images.map((image, n) => ({
        gradient: Float32Array.from(image.data, (_, i) =>
          weights.reduce((sum, row, k) => sum + ((seeds[n]?.[k] as number) * (row[i] as number)) / 100, 0),
        ),
      })),
  };
}

const WEIGHTS = [
  [1, -1, 2, 0, 1, -2],
  [-1, 1, 0, 2, -1, 1],
];
const image = (): RgbImage => ({ width: 2, height: 1, data: Uint8Array.from([100, 0, 250, 100, 128, 5]) });

describe('crossEntropySeed', () => {
  it('is d CE / d logits on the logits, and through a second softmax on the probabilities', () => {
    const logits = [0.3, -0.2, 1.1];
    const softmax = (z: number[]) => {
      const e = z.map(Math.exp);
      return e.map((v) => v / e.reduce((a, b) => a + b, 0));
    };
    const loss = (z: number[], on: 'logits' | 'probabilities') =>
      -Math.log(softmax(on === 'logits' ? z : softmax(z))[0] as number);
    for (const on of ['logits', 'probabilities'] as const) {
      const seed = crossEntropySeed(softmax(logits), 0, on);
      logits.forEach((_, k) => {
        const h = 1e-6;
        const up = logits.map((v, j) => (j === k ? v + h : v));
        const down = logits.map((v, j) => (j === k ? v - h : v));
        expect(seed[k]).toBeCloseTo((loss(up, on) - loss(down, on)) / (2 * h), 6);
      });
    }
  });
});

describe('fgsm', () => {
  it('moves every pixel by eps against its class, clipped to 0-255', async () => {
    const [attacked] = await fgsm([image()], [0], linearVictim(WEIGHTS), { eps: 8 });
    // d CE(class 0) / d x = (p - onehot) . W / 100: the sign of (W1 - W0) per pixel.
    expect(Array.from(attacked?.data ?? [])).toEqual([92, 8, 242, 108, 120, 13]);
  });

  it('along the grey axis moves a pixel by the sign of its summed channel gradients, so grey stays grey', async () => {
    const grey: RgbImage = { width: 2, height: 1, data: Uint8Array.from([100, 100, 100, 50, 50, 50]) };
    const [attacked] = await fgsm([grey], [0], linearVictim(WEIGHTS), { eps: 8, greyAxis: true });
    // W1 - W0 per channel: (-2, 2, -2) sums to -2 on the first pixel, (2, -2, 3) to 3 on the second.
    expect(Array.from(attacked?.data ?? [])).toEqual([92, 92, 92, 58, 58, 58]);
  });
});

describe('keeping flat areas', () => {
  // A 3x1 image whose first two pixels are equal (a flat pair) and whose third differs.
  const graphic = (): RgbImage => ({
    width: 3,
    height: 1,
    data: Uint8Array.from([100, 100, 100, 100, 100, 100, 10, 20, 30]),
  });
  const weights = [
    [1, -1, 2, 0, 1, -2, 1, 1, 1],
    [-1, 1, 0, 2, -1, 1, -1, -1, -1],
  ];

  it('FGSM moves only the pixels equal to no neighbour', async () => {
    const [attacked] = await fgsm([graphic()], [0], linearVictim(weights), { eps: 8, keepFlat: true });
    // The third pixel's W1 - W0 is (-2, -2, -2): every channel down by eps.
    expect(Array.from(attacked?.data ?? [])).toEqual([100, 100, 100, 100, 100, 100, 2, 12, 22]);
    const [plain] = await fgsm([graphic()], [0], linearVictim(weights), { eps: 8 });
    expect(Array.from(plain?.data.subarray(0, 6) ?? [])).not.toEqual([100, 100, 100, 100, 100, 100]);
  });

  it('PGD starts and steps only on the pixels equal to no neighbour', async () => {
    const [attacked] = await pgd([graphic()], [0], linearVictim(weights), {
      eps: 4,
      random: seededRandom(3),
      keepFlat: true,
    });
    const data = Array.from(attacked?.data ?? []);
    expect(data.slice(0, 6)).toEqual([100, 100, 100, 100, 100, 100]);
    expect(data.slice(6)).not.toEqual([10, 20, 30]);
    data.slice(6).forEach((v, i) => {
      expect(Math.abs(v - (graphic().data[6 + i] as number))).toBeLessThanOrEqual(4);
    });
  });
});

describe('taking the loss through transforms (EOT with straight-through gradients)', () => {
  // A fake victim whose loss gradient at an image is its pixels less 100: what a transform hands
  // it shows in the direction of the step.
  const victim: GradientVictim = {
    logitsOf: async (images) => images.map(() => [0, 0]),
    gradientsOf: async (images) =>
      images.map((im) => ({ gradient: Float32Array.from(im.data, (v) => (v as number) - 100) })),
  };
  const constant = Uint8Array.from([200, 200, 0, 0, 0, 0]);

  it("adds the gradient at each transformed 8-bit image to the image's own", async () => {
    const seen: RgbImage[] = [];
    const toConstant = {
      apply: (im: RgbImage): RgbImage => {
        seen.push(im);
        return { ...im, data: constant };
      },
    };
    const [plain] = await fgsm([image()], [0], victim, { eps: 8 });
    // Own gradient (0, -100, 150, 0, 28, -95): pixels 0 and 3 stay, 4 goes up.
    expect(Array.from(plain?.data ?? [])).toEqual([100, 0, 255, 100, 136, 0]);
    const [through] = await fgsm([image()], [0], victim, { eps: 8, through: [toConstant] });
    // Plus (100, 100, -100, -100, -100, -100): (100, 0, 50, -100, -72, -195).
    expect(Array.from(through?.data ?? [])).toEqual([108, 0, 255, 92, 120, 0]);
    expect(seen.map((im) => Array.from(im.data))).toEqual([Array.from(image().data)]);
    expect(seen[0]?.data).toBeInstanceOf(Uint8Array);
  });

  it('takes PGD through every transform at every step', async () => {
    let calls = 0;
    const counting = {
      apply: (im: RgbImage): RgbImage => {
        calls++;
        return im;
      },
    };
    await pgd([image(), image()], [0, 0], victim, {
      eps: 8,
      steps: 3,
      random: seededRandom(1),
      through: [counting, counting],
    });
    expect(calls).toBe(2 * 3 * 2);
  });

  it('carries the gradient back through the transform when it says how', async () => {
    // Swapping the two pixels; its adjoint swaps the gradient back.
    const swap = (data: ArrayLike<number>) => [3, 4, 5, 0, 1, 2].map((k) => data[k] as number);
    const swapped = {
      apply: (im: RgbImage): RgbImage => ({ ...im, data: Uint8Array.from(swap(im.data)) }),
      pullBack: (gradient: Float32Array) => Float32Array.from(swap(gradient)),
    };
    const [attacked] = await fgsm([image()], [0], victim, { eps: 8, through: [swapped] });
    // Own (0, -100, 150, 0, 28, -95) plus the gradient at (100, 128, 5, 100, 0, 250), i.e.
    // (0, 28, -95, 0, -100, 150), swapped back to (0, -100, 150, 0, 28, -95): twice the own.
    expect(Array.from(attacked?.data ?? [])).toEqual([100, 0, 255, 100, 136, 0]);
  });
});

describe('pgd', () => {
  it('stays within eps of the original and in range, and lowers the true class', async () => {
    const victim = linearVictim(WEIGHTS);
    const original = image();
    const [attacked] = await pgd([original], [0], victim, { eps: 4, random: seededRandom(3) });
    if (!attacked) throw new Error('no result');
    attacked.data.forEach((v, i) => {
      expect(Math.abs(v - (original.data[i] as number))).toBeLessThanOrEqual(4);
    });
    const [before, after] = await victim.logitsOf(
      [original, attacked].map((x) => ({ ...x, data: Float32Array.from(x.data) })),
    );
    const margin = (z: number[] | undefined) => (z?.[0] as number) - (z?.[1] as number);
    expect(margin(after)).toBeLessThan(margin(before));
  });

  it('along the grey axis starts and steps alike on every channel of a pixel', async () => {
    const grey: RgbImage = { width: 2, height: 1, data: Uint8Array.from([100, 100, 100, 50, 50, 50]) };
    const [attacked] = await pgd([grey], [0], linearVictim(WEIGHTS), {
      eps: 4,
      random: seededRandom(3),
      greyAxis: true,
    });
    const data = Array.from(attacked?.data ?? []);
    expect(data.slice(0, 3)).toEqual([data[0], data[0], data[0]]);
    expect(data.slice(3)).toEqual([data[3], data[3], data[3]]);
    expect(data).not.toEqual(Array.from(grey.data));
    data.forEach((v, i) => {
      expect(Math.abs(v - (grey.data[i] as number))).toBeLessThanOrEqual(4);
    });
  });
});

describe('cwL2', () => {
  it('finds a small L2 perturbation that changes the class, and keeps the original when it cannot', async () => {
    const victim = linearVictim(WEIGHTS);
    const original = image();
    // Class 0 leads class 1 by (W0 - W1) . x / 100 = 7.41, closed fastest along W1 - W0 (norm 5.39).
    const [attacked] = await cwL2([original], [0], victim, { c: 10, steps: 200, learningRate: 0.05 });
    if (!attacked) throw new Error('no result');
    const [after] = await victim.logitsOf([{ ...attacked, data: Float32Array.from(attacked.data) }]);
    expect((after?.[1] as number) > (after?.[0] as number)).toBe(true);
    const l2 = Math.hypot(...Array.from(attacked.data, (v, i) => (v - (original.data[i] as number)) / 255));
    // The smallest L2 change that flips it: 7.41 / 5.39 * 100 / 255 = 0.54; CW's optimum lies a little past.
    expect(l2).toBeGreaterThan(0.53);
    expect(l2).toBeLessThan(0.8);
    const [unchanged] = await cwL2([original], [0], victim, { c: 0.001, steps: 20 });
    expect(Array.from(unchanged?.data ?? [])).toEqual(Array.from(original.data));
  });
});
