import type { FloatRgbImage, RgbImage } from '@advscreen/contracts';
import { describe, expect, it } from 'vitest';
import { crossEntropySeed, fgsm, type GradientVictim, pgd } from './gradient-attacks.ts';
import { seededRandom } from './square-attack.ts';

/** A linear "model" on a 2x1 image: logits = weights . pixels / 100; its loss gradient is exact. */
function linearVictim(weights: number[][]): GradientVictim {
  const logitsOf = (x: ArrayLike<number>) =>
    weights.map((row) => row.reduce((sum, w, i) => sum + (w * (x[i] as number)) / 100, 0));
  const softmax = (z: number[]) => {
    const e = z.map((v) => Math.exp(v - Math.max(...z)));
    return e.map((v) => v / e.reduce((a, b) => a + b, 0));
  };
  return {
    probabilitiesOf: async (images: readonly FloatRgbImage[]) =>
      images.map((image) => softmax(logitsOf(image.data))),
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
    const [before, after] = await victim.probabilitiesOf(
      [original, attacked].map((x) => ({ ...x, data: Float32Array.from(x.data) })),
    );
    expect(after?.[0]).toBeLessThan(before?.[0] as number);
  });
});
