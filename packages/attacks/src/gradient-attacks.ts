import type { FloatRgbImage, RgbImage } from '@advscreen/contracts';

/** The victim as white-box attacks see it: its class probabilities, and loss gradients. */
export interface GradientVictim {
  probabilitiesOf(images: readonly FloatRgbImage[]): Promise<number[][]>;
  /** For each image, d loss / d pixel given d loss / d logits (`seeds`). */
  gradientsOf(
    images: readonly FloatRgbImage[],
    seeds: readonly (readonly number[])[],
  ): Promise<{ gradient: Float32Array }[]>;
}

export interface LossOptions {
  /**
   * Where the cross-entropy is taken: on the logits (default; as the dev corpus was made: our
   * FGSM on logits reproduces its files), or on the probabilities softmaxed again (what
   * torchattacks does to a model that ends in softmax).
   */
  on?: 'probabilities' | 'logits';
}

function softmax(values: readonly number[]): number[] {
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}

/** d CE(label) / d logits from the model's probabilities p, for cross-entropy on the logits or on p. */
export function crossEntropySeed(
  p: readonly number[],
  label: number,
  on: 'probabilities' | 'logits',
): number[] {
  if (on === 'logits') return p.map((v, k) => v - (k === label ? 1 : 0));
  // CE on the probabilities: v = softmax(p) - onehot; back through softmax: p_k (v_k - sum_j v_j p_j).
  const v = softmax(p).map((x, k) => x - (k === label ? 1 : 0));
  const dot = v.reduce((sum, x, j) => sum + x * (p[j] as number), 0);
  return p.map((pk, k) => pk * ((v[k] as number) - dot));
}

const toFloat = (image: RgbImage): FloatRgbImage => ({ ...image, data: Float32Array.from(image.data) });
const toBytes = (image: FloatRgbImage): RgbImage => ({
  ...image,
  data: Uint8Array.from(image.data, Math.round),
});

/** The cross-entropy gradient at each image: a forward run for the seeds, then the backward pass. */
async function lossGradients(
  images: readonly FloatRgbImage[],
  labels: readonly number[],
  victim: GradientVictim,
  on: 'probabilities' | 'logits',
): Promise<Float32Array[]> {
  const probabilities = await victim.probabilitiesOf(images);
  const seeds = probabilities.map((p, i) => crossEntropySeed(p, labels[i] as number, on));
  return (await victim.gradientsOf(images, seeds)).map((g) => g.gradient);
}

/** One signed step of `step` pixel units up the loss, kept within `eps` of the original and in 0-255. */
function signStep(
  x: Float32Array,
  gradient: Float32Array,
  original: Uint8Array,
  step: number,
  eps: number,
): void {
  for (let i = 0; i < x.length; i++) {
    const g = gradient[i] as number;
    const moved = (x[i] as number) + (g > 0 ? step : g < 0 ? -step : 0);
    const o = original[i] as number;
    x[i] = Math.min(255, Math.max(0, Math.min(o + eps, Math.max(o - eps, moved))));
  }
}

/** FGSM (Goodfellow et al. 2015): one step of eps along the sign of the loss gradient. eps in 8-bit steps. */
export async function fgsm(
  images: readonly RgbImage[],
  labels: readonly number[],
  victim: GradientVictim,
  options: LossOptions & { eps: number },
): Promise<RgbImage[]> {
  const working = images.map(toFloat);
  const gradients = await lossGradients(working, labels, victim, options.on ?? 'logits');
  working.forEach((x, i) => {
    signStep(x.data, gradients[i] as Float32Array, (images[i] as RgbImage).data, options.eps, options.eps);
  });
  return working.map(toBytes);
}

/**
 * PGD, L-inf (Madry et al. 2018) as torchattacks runs it: a uniform random start within eps,
 * then `steps` signed steps of `stepSize`, each projected back within eps. eps and stepSize in
 * 8-bit steps; rounded to 8 bits at the end.
 */
export async function pgd(
  images: readonly RgbImage[],
  labels: readonly number[],
  victim: GradientVictim,
  options: LossOptions & { eps: number; steps?: number; stepSize?: number; random: () => number },
): Promise<RgbImage[]> {
  const { eps } = options;
  const steps = options.steps ?? 10;
  const stepSize = options.stepSize ?? eps / 4;
  const working = images.map((image) => ({
    ...image,
    data: Float32Array.from(image.data, (v) =>
      Math.min(255, Math.max(0, v + (2 * options.random() - 1) * eps)),
    ),
  }));
  for (let step = 0; step < steps; step++) {
    const gradients = await lossGradients(working, labels, victim, options.on ?? 'logits');
    working.forEach((x, i) => {
      signStep(x.data, gradients[i] as Float32Array, (images[i] as RgbImage).data, stepSize, eps);
    });
  }
  return working.map(toBytes);
}
