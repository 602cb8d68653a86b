import type { FloatRgbImage, RgbImage } from '@advscreen/contracts';
import { forEachIdenticalNeighbourPair } from '@advscreen/imaging';
import { argmax, softmax, toBytes, toFloat } from './pixels.ts';

/** The victim as white-box attacks see it: its logits, and loss gradients. */
export interface GradientVictim {
  logitsOf(images: readonly FloatRgbImage[]): Promise<number[][]>;
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
  /**
   * Move each pixel's three channels alike (by the sum of their gradients: the gradient along
   * the grey axis), so that a grey image stays grey: the attack for a grayscale file.
   */
  greyAxis?: boolean;
  /**
   * Leave every pixel that equals a neighbour (across or down, in all three channels) unmoved,
   * so that the image keeps every flat area: a graphic stays a graphic to the detector's router
   * (GRAPHICS_FLAT_SHARE), and only its edges, gradients and texture carry the perturbation.
   */
  keepFlat?: boolean;
  /**
   * Transforms of the image the loss is also taken through, summed with the image's own
   * (expectation over transformation, Athalye et al. 2018): an attack meant to survive, say, the
   * consistency check's JPEG squeezer or its translated copy. Each costs one more gradient per step.
   */
  through?: readonly ImageTransform[];
}

/** An image-to-image transform an attack can take its loss through (see LossOptions.through). */
export interface ImageTransform {
  apply(image: RgbImage): RgbImage | Promise<RgbImage>;
  /**
   * The loss gradient at the transformed image carried back to the image's pixels (the
   * transform's adjoint). Absent: passed straight back as if the transform were the identity
   * (BPDA), for transforms with no useful gradient, such as a JPEG round trip.
   */
  pullBack?(gradient: Float32Array, width: number, height: number): Float32Array;
}

/** 1 for each pixel equal in all three channels to a neighbour across or down, else 0. */
export function flatPixels(image: RgbImage): Uint8Array {
  const flat = new Uint8Array(image.width * image.height);
  forEachIdenticalNeighbourPair(image, (p, q) => {
    flat[p] = flat[q] = 1;
  });
  return flat;
}

/** The gradient zeroed at the `flat` pixels, in place. */
function offFlat(gradient: Float32Array, flat: Uint8Array): Float32Array {
  for (let p = 0; p < flat.length; p++) if (flat[p]) gradient.fill(0, 3 * p, 3 * p + 3);
  return gradient;
}

/** Each pixel's channel gradients replaced by their sum, in place. */
function alongGreyAxis(gradient: Float32Array): Float32Array {
  for (let i = 0; i < gradient.length; i += 3) {
    const sum = (gradient[i] as number) + (gradient[i + 1] as number) + (gradient[i + 2] as number);
    gradient[i] = sum;
    gradient[i + 1] = sum;
    gradient[i + 2] = sum;
  }
  return gradient;
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

/** The cross-entropy gradient at each image: a forward run for the seeds, then the backward pass. */
async function lossGradients(
  images: readonly FloatRgbImage[],
  labels: readonly number[],
  victim: GradientVictim,
  on: 'probabilities' | 'logits',
): Promise<Float32Array[]> {
  const logits = await victim.logitsOf(images);
  const seeds = logits.map((z, i) => crossEntropySeed(softmax(z), labels[i] as number, on));
  return (await victim.gradientsOf(images, seeds)).map((g) => g.gradient);
}

/**
 * The loss gradient at each image plus, for each transform, the gradient at the transformed
 * 8-bit image carried back (see ImageTransform.pullBack).
 */
async function gradientsThrough(
  images: readonly FloatRgbImage[],
  labels: readonly number[],
  victim: GradientVictim,
  on: 'probabilities' | 'logits',
  through: readonly ImageTransform[],
): Promise<Float32Array[]> {
  const sums = await lossGradients(images, labels, victim, on);
  const bytes = through.length > 0 ? images.map(toBytes) : [];
  for (const transform of through) {
    const transformed = await Promise.all(bytes.map((image) => transform.apply(image)));
    const gradients = await lossGradients(transformed.map(toFloat), labels, victim, on);
    sums.forEach((sum, i) => {
      const at = gradients[i] as Float32Array;
      const { width, height } = images[i] as FloatRgbImage;
      const gradient = transform.pullBack ? transform.pullBack(at, width, height) : at;
      for (let k = 0; k < sum.length; k++) sum[k] = (sum[k] as number) + (gradient[k] as number);
    });
  }
  return sums;
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

/**
 * `steps` signed steps of `stepSize` up the cross-entropy from `start`, each kept within `eps` of
 * the original images and in 0-255; rounded to 8 bits at the end.
 */
async function signedSteps(
  start: FloatRgbImage[],
  images: readonly RgbImage[],
  labels: readonly number[],
  victim: GradientVictim,
  options: {
    steps: number;
    stepSize: number;
    eps: number;
    on: 'probabilities' | 'logits';
    greyAxis: boolean;
    /** Per image, the pixels left unmoved (keepFlat); null: none. */
    frozen: readonly Uint8Array[] | null;
    through: readonly ImageTransform[];
  },
): Promise<RgbImage[]> {
  for (let step = 0; step < options.steps; step++) {
    const gradients = await gradientsThrough(start, labels, victim, options.on, options.through);
    start.forEach((x, i) => {
      const frozen = options.frozen?.[i];
      const gradient = frozen
        ? offFlat(gradients[i] as Float32Array, frozen)
        : (gradients[i] as Float32Array);
      signStep(
        x.data,
        options.greyAxis ? alongGreyAxis(gradient) : gradient,
        (images[i] as RgbImage).data,
        options.stepSize,
        options.eps,
      );
    });
  }
  return start.map(toBytes);
}

/** FGSM (Goodfellow et al. 2015): one step of eps along the sign of the loss gradient. eps in 8-bit steps. */
export function fgsm(
  images: readonly RgbImage[],
  labels: readonly number[],
  victim: GradientVictim,
  options: LossOptions & { eps: number },
): Promise<RgbImage[]> {
  const { eps } = options;
  return signedSteps(images.map(toFloat), images, labels, victim, {
    steps: 1,
    stepSize: eps,
    eps,
    on: options.on ?? 'logits',
    greyAxis: options.greyAxis === true,
    frozen: options.keepFlat ? images.map(flatPixels) : null,
    through: options.through ?? [],
  });
}

/**
 * PGD, L-inf (Madry et al. 2018) as torchattacks runs it: a uniform random start within eps,
 * then `steps` signed steps of `stepSize`, each projected back within eps. eps and stepSize in
 * 8-bit steps; rounded to 8 bits at the end.
 */
export function pgd(
  images: readonly RgbImage[],
  labels: readonly number[],
  victim: GradientVictim,
  options: LossOptions & { eps: number; steps?: number; stepSize?: number; random: () => number },
): Promise<RgbImage[]> {
  const { eps } = options;
  const greyAxis = options.greyAxis === true;
  const frozen = options.keepFlat ? images.map(flatPixels) : null;
  const start = images.map((image, n) => {
    let shift = 0;
    const data = Float32Array.from(image.data, (v, i) => {
      if (!greyAxis || i % 3 === 0) shift = (2 * options.random() - 1) * eps;
      return frozen?.[n]?.[Math.floor(i / 3)] ? v : Math.min(255, Math.max(0, v + shift));
    });
    return { ...image, data };
  });
  return signedSteps(start, images, labels, victim, {
    steps: options.steps ?? 10,
    stepSize: options.stepSize ?? eps / 4,
    eps,
    on: options.on ?? 'logits',
    greyAxis,
    frozen,
    through: options.through ?? [],
  });
}

export interface CwOptions {
  /** Weight of the misclassification term against the squared L2 distance (1 in the dev corpus). */
  c?: number;
  /** Confidence margin the attack asks for (0 in torchattacks' default). */
  kappa?: number;
  steps?: number;
  /** Adam's learning rate, in tanh space. */
  learningRate?: number;
}

/**
 * CW-L2, untargeted (Carlini and Wagner 2017) as torchattacks runs it: Adam on w with the image
 * as (tanh(w) + 1) / 2, minimising ||x' - x||^2 + c * max(Z_label - Z_other, -kappa) (with
 * torchattacks' Z_other = max over the other classes' logits and 0); keeps the successful image
 * with the smallest L2; stops an image early when its cost has not fallen over a tenth of the
 * steps. Distances in [0, 1] pixel units; the result is rounded to 8 bits.
 */
export async function cwL2(
  images: readonly RgbImage[],
  labels: readonly number[],
  victim: GradientVictim,
  options: CwOptions = {},
): Promise<RgbImage[]> {
  const c = options.c ?? 1;
  const kappa = options.kappa ?? 0;
  const steps = options.steps ?? 100;
  const rate = options.learningRate ?? 0.01;
  const [beta1, beta2, epsilon] = [0.9, 0.999, 1e-8];
  const every = Math.max(Math.floor(steps / 10), 1);
  const states = images.map((image, i) => {
    const x = Float32Array.from(image.data, (v) => v / 255);
    return {
      x,
      label: labels[i] as number,
      w: Float64Array.from(x, (v) => Math.atanh(Math.min(1, Math.max(-1, 2 * v - 1)))),
      m: new Float64Array(x.length),
      v: new Float64Array(x.length),
      best: image as RgbImage,
      bestL2: Number.POSITIVE_INFINITY,
      previousCost: Number.POSITIVE_INFINITY,
      done: false,
    };
  });
  for (let step = 0; step < steps; step++) {
    const active = states.filter((s) => !s.done);
    if (active.length === 0) break;
    const adversarial = active.map((s) => ({
      width: s.best.width,
      height: s.best.height,
      data: Float32Array.from(s.w, (w) => 255 * ((Math.tanh(w) + 1) / 2)),
    }));
    const logits = await victim.logitsOf(adversarial);
    const seeds = logits.map((z, n) => {
      const { label } = active[n] as (typeof states)[number];
      const seed = z.map(() => 0);
      let other = 0;
      let otherIndex = -1;
      z.forEach((value, k) => {
        if (k !== label && value > other) [other, otherIndex] = [value, k];
      });
      if ((z[label] as number) - other > -kappa) {
        seed[label] = c;
        if (otherIndex >= 0) seed[otherIndex] = -c;
      }
      return { seed, f: Math.max((z[label] as number) - other, -kappa), z };
    });
    const gradients = await victim.gradientsOf(
      adversarial,
      seeds.map((s) => s.seed),
    );
    active.forEach((s, n) => {
      const pixels = (adversarial[n] as FloatRgbImage).data;
      const { f, z } = seeds[n] as { f: number; z: number[] };
      const g = (gradients[n] as { gradient: Float32Array }).gradient;
      let l2 = 0;
      for (let p = 0; p < s.x.length; p++) l2 += ((pixels[p] as number) / 255 - (s.x[p] as number)) ** 2;
      if (argmax(z) !== s.label && l2 < s.bestL2) {
        s.bestL2 = l2;
        s.best = toBytes(adversarial[n] as FloatRgbImage);
      }
      const t = step + 1;
      for (let p = 0; p < s.x.length; p++) {
        const tanh = Math.tanh(s.w[p] as number);
        const dCostdX = 2 * ((tanh + 1) / 2 - (s.x[p] as number)) + 255 * (g[p] as number);
        const grad = dCostdX * ((1 - tanh * tanh) / 2);
        s.m[p] = beta1 * (s.m[p] as number) + (1 - beta1) * grad;
        s.v[p] = beta2 * (s.v[p] as number) + (1 - beta2) * grad * grad;
        const mHat = (s.m[p] as number) / (1 - beta1 ** t);
        const vHat = (s.v[p] as number) / (1 - beta2 ** t);
        s.w[p] = (s.w[p] as number) - (rate * mHat) / (Math.sqrt(vHat) + epsilon);
      }
      if (step % every === 0) {
        const cost = l2 + c * f;
        if (cost > s.previousCost) s.done = true;
        s.previousCost = cost;
      }
    });
  }
  return states.map((s) => s.best);
}
