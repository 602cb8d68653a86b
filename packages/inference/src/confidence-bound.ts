/**
 * The sanity check's confidence bound: how sure the model may be before the answer is
 * implausible. The largest top-class probability of a clean sample is a poor bound: new clean
 * images exceed a sample's maximum about once per number of distinct photos behind it (held
 * out by photo, 1 in 60 on the development corpus), because crops of one easy photo are all
 * about as sure. So the tail of the clean sample is modelled instead (peaks over threshold,
 * exponential excesses; Pickands 1975, Davison and Smith 1990), on the log-odds scale where
 * softmax confidences near 1 spread out: with u the (k+1)-th largest of n log-odds and beta the
 * mean excess of the k largest over u, P(new > u + x) ~ (k / n) exp(-x / beta), and the bound
 * is the x where that equals the exceedance target. It is never below the sample's maximum.
 */
export interface ConfidenceBoundFit {
  /** A top-class probability (detection score) above this is implausible. */
  bound: number;
  /** `tail`: fitted as above; `max`: the sample's maximum (too few images for a tail, or it was higher). */
  method: 'tail' | 'max';
  /** Clean top-class probabilities it was fitted on. */
  images: number;
  /** The fitted share of clean images expected above the bound. */
  exceedance: number;
}

/** Fewer tail images than this and the fit falls back to the sample's maximum. */
const MIN_TAIL = 5;
/** Probabilities are float32 in practice: a clean 1.0 must stay finite on the log-odds scale. */
const EDGE = 1e-12;

/** log(p / (1 - p)), with p kept EDGE away from 0 and 1. */
export function logOdds(p: number): number {
  const clamped = Math.min(1 - EDGE, Math.max(EDGE, p));
  return Math.log(clamped / (1 - clamped));
}
const probability = (logit: number) => 1 / (1 + Math.exp(-logit));

export function fitConfidenceBound(probabilities: readonly number[], exceedance: number): ConfidenceBoundFit {
  if (!(exceedance > 0 && exceedance < 1)) throw new Error('the exceedance target must be in (0, 1)');
  const finite = probabilities.filter(Number.isFinite);
  if (finite.length === 0) throw new Error('a confidence bound needs at least one clean image');
  const maximum = Math.max(...finite);
  const n = finite.length;
  const k = Math.floor(n / 10);
  if (k < MIN_TAIL) return { bound: maximum, method: 'max', images: n, exceedance };
  const sorted = finite.map(logOdds).sort((a, b) => b - a);
  const threshold = sorted[k] as number;
  let excess = 0;
  for (let i = 0; i < k; i++) excess += (sorted[i] as number) - threshold;
  const meanExcess = excess / k;
  const tail = probability(threshold + meanExcess * Math.log(k / (n * exceedance)));
  return tail > maximum
    ? { bound: tail, method: 'tail', images: n, exceedance }
    : { bound: maximum, method: 'max', images: n, exceedance };
}

/**
 * The decision-margin bound: how close to a tie between its two top classes a classifier may
 * answer before the answer looks placed there. Minimal-perturbation attacks (DeepFool, CW with
 * no confidence margin) stop just past the decision boundary, so their margin, log p1 - log p2
 * (the logit gap), is nearly 0; clean images rarely sit there. The gap is a smooth function of
 * the image, so its density near 0 is about constant: P(new < t) ~ (k / n) (t / t_k), with t_k the
 * k-th smallest of n clean margins, and the bound is the t where that equals the exceedance
 * target. k is 1% of the sample, at least 5; smaller samples give no bound.
 */
export interface MarginBoundFit {
  /** A margin below this is implausible; null when the sample was too small to fit one. */
  bound: number | null;
  images: number;
  exceedance: number;
}

export function fitMarginBound(margins: readonly number[], exceedance: number): MarginBoundFit {
  if (!(exceedance > 0 && exceedance < 1)) throw new Error('the exceedance target must be in (0, 1)');
  const sorted = margins.filter(Number.isFinite).sort((a, b) => a - b);
  const n = sorted.length;
  const k = Math.max(MIN_TAIL, Math.ceil(n / 100));
  if (n < 2 * k) return { bound: null, images: n, exceedance };
  const tk = sorted[k - 1] as number;
  return { bound: (tk * exceedance * n) / k, images: n, exceedance };
}
