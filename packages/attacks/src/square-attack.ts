import type { RgbImage } from '@advscreen/contracts';

/** The victim behind a narrow interface: class probabilities for a batch of images. */
export type ProbabilitiesOf = (images: readonly RgbImage[]) => Promise<number[][]>;

export interface SquareAttackOptions {
  /** L-inf budget in 8-bit steps (8 for eps 8/255). */
  eps: number;
  /** Model queries per image, the initial one included. */
  maxQueries: number;
  /** Initial share of the image a square covers (0.8 in torchattacks and the paper). */
  pInit?: number;
  /** Deterministic randomness for reproducible corpora. */
  random: () => number;
  /**
   * Where the search starts: the paper's vertical stripes of +-eps over the whole image
   * (default), or the clean image itself, as an agent might once the stripes are refused.
   */
  start?: 'stripes' | 'clean';
}

export interface SquareAttackResult {
  image: RgbImage;
  /** The attacked image's top class differs from `label`. */
  success: boolean;
  queries: number;
  /** Final margin: log p(label) - max over other classes of log p; negative on success. */
  margin: number;
}

/**
 * Margin of the true class in log-probabilities, the same as in logits since softmax only
 * shifts them: positive while the model still answers `label`.
 */
function marginOf(probabilities: readonly number[], label: number): number {
  const own = Math.log(Math.max(probabilities[label] as number, 1e-30));
  let other = Number.NEGATIVE_INFINITY;
  probabilities.forEach((p, k) => {
    if (k !== label) other = Math.max(other, Math.log(Math.max(p, 1e-30)));
  });
  return own - other;
}

/** The paper's schedule: the square shrinks as queries are spent (fractions of 10,000 iterations). */
function squareShare(pInit: number, query: number, maxQueries: number): number {
  const it = Math.floor((query / maxQueries) * 10_000);
  const halvings = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000].filter((bound) => it > bound).length;
  return pInit / 2 ** halvings;
}

interface AttackState {
  original: RgbImage;
  label: number;
  best: Uint8Array;
  margin: number;
  queries: number;
}

const sign = (random: () => number) => (random() < 0.5 ? -1 : 1);
const clip = (v: number) => Math.min(255, Math.max(0, v));

/** A square of side `side` at a random place, each channel moved to +eps or -eps of the original. */
function proposeSquare(state: AttackState, side: number, options: SquareAttackOptions): Uint8Array {
  const { width: w, height: h, data: x } = state.original;
  const candidate = Uint8Array.from(state.best);
  const top = Math.floor(options.random() * (h - side + 1));
  const left = Math.floor(options.random() * (w - side + 1));
  // Redraw until the square changes something (clipping at 0 or 255 can undo a draw).
  for (let attempt = 0; attempt < 10; attempt++) {
    const shifts = [sign(options.random), sign(options.random), sign(options.random)].map(
      (s) => s * options.eps,
    );
    let changed = false;
    for (let y = top; y < top + side; y++) {
      for (let xx = left; xx < left + side; xx++) {
        for (let c = 0; c < 3; c++) {
          const at = 3 * (y * w + xx) + c;
          const value = clip((x[at] as number) + (shifts[c] as number));
          if (value !== state.best[at]) changed = true;
          candidate[at] = value;
        }
      }
    }
    if (changed) break;
  }
  return candidate;
}

/**
 * Square Attack, L-inf, untargeted (Andriushchenko, Croce, Flammarion and Hein, ECCV 2020): a
 * query-only random search that starts from vertical stripes of +-eps and keeps a random
 * square's re-drawn perturbation whenever it lowers the margin. It needs no gradients, so it
 * runs against any deployed model; here it makes test attacks for the detector. Images are
 * attacked together, one query each per model call; pixel values stay integers, so the
 * result is exactly what an 8-bit file holds.
 */
export async function squareAttack(
  images: readonly RgbImage[],
  labels: readonly number[],
  probabilitiesOf: ProbabilitiesOf,
  options: SquareAttackOptions,
): Promise<SquareAttackResult[]> {
  const pInit = options.pInit ?? 0.8;
  const states: AttackState[] = images.map((original, i) => {
    if (options.start === 'clean')
      return {
        original,
        label: labels[i] as number,
        best: Uint8Array.from(original.data),
        margin: Number.POSITIVE_INFINITY,
        queries: 0,
      };
    const best = new Uint8Array(original.data.length);
    const { width: w, height: h } = original;
    for (let xx = 0; xx < w; xx++) {
      for (let c = 0; c < 3; c++) {
        const shift = sign(options.random) * options.eps;
        for (let y = 0; y < h; y++) {
          const at = 3 * (y * w + xx) + c;
          best[at] = clip((original.data[at] as number) + shift);
        }
      }
    }
    return { original, label: labels[i] as number, best, margin: Number.POSITIVE_INFINITY, queries: 0 };
  });
  const initial = await probabilitiesOf(states.map((s) => ({ ...s.original, data: s.best })));
  states.forEach((s, i) => {
    s.margin = marginOf(initial[i] as number[], s.label);
    s.queries = 1;
  });
  for (;;) {
    const active = states.filter((s) => s.margin > 0 && s.queries < options.maxQueries);
    if (active.length === 0) break;
    const candidates = active.map((s) => {
      const { width: w, height: h } = s.original;
      const share = squareShare(pInit, s.queries, options.maxQueries);
      const side = Math.min(h, w, Math.max(1, Math.round(Math.sqrt(share * w * h))));
      return proposeSquare(s, side, options);
    });
    const answers = await probabilitiesOf(
      active.map((s, i) => ({ ...s.original, data: candidates[i] as Uint8Array })),
    );
    active.forEach((s, i) => {
      s.queries++;
      const margin = marginOf(answers[i] as number[], s.label);
      if (margin < s.margin) {
        s.margin = margin;
        s.best = candidates[i] as Uint8Array;
      }
    });
  }
  return states.map((s) => ({
    image: { ...s.original, data: s.best },
    success: s.margin < 0,
    queries: s.queries,
    margin: s.margin,
  }));
}

/** A small seeded generator (mulberry32), so a corpus can be made again identically. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
