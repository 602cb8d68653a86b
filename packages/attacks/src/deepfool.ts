import type { FloatRgbImage, RgbImage } from '@advscreen/contracts';
import { argmax, softmax, toBytes, toFloat } from './pixels.ts';

/** An image's logits and d logit_k / d pixel for every class k (the inference package's ClassJacobian). */
export interface LogitJacobian {
  logits: number[];
  gradients: Float32Array[];
}

export type JacobianOf = (images: readonly FloatRgbImage[]) => Promise<LogitJacobian[]>;

export interface DeepFoolOptions {
  /** Linearisation steps at most (50 in torchattacks). */
  steps?: number;
  /** Each step goes this much past the linearised boundary (0.02 in torchattacks and the paper). */
  overshoot?: number;
  /**
   * What is linearised: the logits (default; torchattacks takes the model's output, and the dev
   * corpus was made on a twin giving logits: our FGSM on logits reproduces its files) or the
   * probabilities (a model that ends in softmax).
   */
  on?: 'probabilities' | 'logits';
  /**
   * Which image decides that the boundary is crossed: the working image (`float`, as torchattacks
   * does, so rounding to 8 bits often undoes the last step) or its 8-bit rounding (`rounded`, what a
   * file can carry: the attack goes on until the rounded image changes class).
   */
  check?: 'float' | 'rounded';
}

export interface DeepFoolResult {
  /** The attacked image rounded to 8 bits: check its class again, rounding can undo a small step. */
  image: RgbImage;
  /** The checked image (see `check`) crossed the decision boundary. */
  crossed: boolean;
  steps: number;
}

/** Scores and their gradients in the space DeepFool linearises. */
function scoresOf(
  jacobian: LogitJacobian,
  on: 'probabilities' | 'logits',
): { f: number[]; w: Float32Array[] } {
  if (on === 'logits') return { f: jacobian.logits, w: jacobian.gradients };
  // d p_k = p_k (d z_k - sum_j p_j d z_j)
  const p = softmax(jacobian.logits);
  const length = (jacobian.gradients[0] as Float32Array).length;
  const mean = new Float32Array(length);
  jacobian.gradients.forEach((g, j) => {
    for (let i = 0; i < length; i++) mean[i] = (mean[i] as number) + (p[j] as number) * (g[i] as number);
  });
  const w = jacobian.gradients.map((g, k) => {
    const out = new Float32Array(length);
    for (let i = 0; i < length; i++) out[i] = (p[k] as number) * ((g[i] as number) - (mean[i] as number));
    return out;
  });
  return { f: p, w };
}

/**
 * One DeepFool step (Moosavi-Dezfooli, Fawzi and Frossard, CVPR 2016): linearise every class's
 * score around x and move to the nearest linearised boundary of another class, `overshoot` past
 * it. Returns the step, or null when no boundary can be reached (all gradients zero).
 */
function deepFoolStep(f: readonly number[], w: readonly Float32Array[], label: number): Float32Array | null {
  const own = w[label] as Float32Array;
  let best: { distance: number; k: number; norm2: number } | null = null;
  for (let k = 0; k < f.length; k++) {
    if (k === label) continue;
    const g = w[k] as Float32Array;
    let norm2 = 0;
    for (let i = 0; i < g.length; i++) norm2 += ((g[i] as number) - (own[i] as number)) ** 2;
    const distance = Math.abs((f[k] as number) - (f[label] as number)) / Math.sqrt(norm2);
    if (norm2 > 0 && (!best || distance < best.distance)) best = { distance, k, norm2 };
  }
  if (!best) return null;
  const g = w[best.k] as Float32Array;
  const factor = Math.abs((f[best.k] as number) - (f[label] as number)) / best.norm2;
  return g.map((v, i) => factor * (v - (own[i] as number)));
}

/**
 * DeepFool, untargeted, L2, as torchattacks runs it: from each image, repeat the linearised step
 * (scaled by 1 + overshoot, clipped to valid pixels) until the top class is no longer `label` or
 * the steps run out. It needs the model's gradients (`JacobianOf`), so it makes test attacks
 * against a model whose weights are known, as an attacker with a copy of the model would.
 */
export async function deepFool(
  images: readonly RgbImage[],
  labels: readonly number[],
  jacobianOf: JacobianOf,
  options: DeepFoolOptions = {},
): Promise<DeepFoolResult[]> {
  const steps = options.steps ?? 50;
  const overshoot = options.overshoot ?? 0.02;
  const on = options.on ?? 'logits';
  const check = options.check ?? 'float';
  const states = images.map((image, i) => ({
    image: toFloat(image),
    label: labels[i] as number,
    crossed: false,
    stuck: false,
    steps: 0,
  }));
  for (let step = 0; step < steps; step++) {
    const active = states.filter((s) => !s.crossed && !s.stuck);
    if (active.length === 0) break;
    // Linearised where the class is checked: at the rounded image when that is what must cross.
    const jacobians = await jacobianOf(
      active.map((s) => (check === 'rounded' ? toFloat(toBytes(s.image)) : s.image)),
    );
    active.forEach((s, i) => {
      const { f, w } = scoresOf(jacobians[i] as LogitJacobian, on);
      if (argmax(f) !== s.label) {
        s.crossed = true;
        return;
      }
      const delta = deepFoolStep(f, w, s.label);
      if (!delta) {
        s.stuck = true;
        return;
      }
      const x = s.image.data;
      for (let p = 0; p < x.length; p++) {
        x[p] = Math.min(255, Math.max(0, (x[p] as number) + (1 + overshoot) * (delta[p] as number)));
      }
      s.steps++;
    });
  }
  return states.map((s) => ({
    image: toBytes(s.image),
    crossed: s.crossed,
    steps: s.steps,
  }));
}
