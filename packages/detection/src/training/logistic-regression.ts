/**
 * L2-regularised logistic regression fitted by Newton's method (IRLS) on standardised
 * features. Small and deterministic: a few hundred features and a few thousand examples fit
 * in well under a second, with no Python in the loop.
 */

export interface LinearModel {
  /** Per-feature mean and standard deviation used to standardise inputs. */
  mean: number[];
  scale: number[];
  weights: number[];
  bias: number;
}

export interface FitOptions {
  /** Penalty on the squared weights (not the bias), in units of the summed example weight. */
  l2: number;
  maxIterations?: number;
  /** Per-example weights, e.g. to balance classes. Defaults to 1. */
  sampleWeights?: ArrayLike<number>;
}

/**
 * Per-feature mean and standard deviation over the values present. A missing feature (NaN: it
 * could not be computed for that input) standardises to 0, i.e. counts as the mean: no evidence
 * either way, in fitting and in scoring alike.
 */
/** Sample weights so each class contributes equally, whatever the ratio of examples. */
export function balancedWeights(examples: readonly { adversarial: boolean }[]): number[] {
  const positives = examples.filter((e) => e.adversarial).length;
  const negatives = examples.length - positives;
  return examples.map((e) =>
    e.adversarial
      ? examples.length / (2 * Math.max(positives, 1))
      : examples.length / (2 * Math.max(negatives, 1)),
  );
}

/**
 * Like balancedWeights, and within the adversarial class each attack type (`attack`) weighs the
 * same, so an attack with many examples does not crowd out a rarer, subtler one.
 */
export function attackBalancedWeights(
  examples: readonly { adversarial: boolean; attack: string | null }[],
): number[] {
  const perAttack = new Map<string, number>();
  for (const e of examples)
    if (e.adversarial) perAttack.set(e.attack ?? 'unknown', (perAttack.get(e.attack ?? 'unknown') ?? 0) + 1);
  const negatives = examples.filter((e) => !e.adversarial).length;
  return examples.map((e) =>
    e.adversarial
      ? examples.length / (2 * perAttack.size * (perAttack.get(e.attack ?? 'unknown') as number))
      : examples.length / (2 * Math.max(negatives, 1)),
  );
}

export function standardisation(rows: ArrayLike<number>[]): { mean: number[]; scale: number[] } {
  const d = rows[0]?.length ?? 0;
  const mean = new Array<number>(d).fill(0);
  const scale = new Array<number>(d).fill(0);
  const present = new Array<number>(d).fill(0);
  for (const row of rows) {
    for (let j = 0; j < d; j++) {
      const value = row[j] as number;
      if (Number.isNaN(value)) continue;
      mean[j] = (mean[j] as number) + value;
      present[j] = (present[j] as number) + 1;
    }
  }
  for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / ((present[j] as number) || 1);
  for (const row of rows) {
    for (let j = 0; j < d; j++) {
      const value = row[j] as number;
      if (!Number.isNaN(value)) scale[j] = (scale[j] as number) + (value - (mean[j] as number)) ** 2;
    }
  }
  // A constant feature gets scale 1 so it standardises to 0 instead of NaN.
  for (let j = 0; j < d; j++) scale[j] = Math.sqrt((scale[j] as number) / ((present[j] as number) || 1)) || 1;
  return { mean, scale };
}

const standardised = (value: number, mean: number, scale: number) =>
  Number.isNaN(value) ? 0 : (value - mean) / scale;

/** Solves A x = b in place for symmetric positive-definite A (row-major d x d), by Cholesky. */
function solveSpd(a: Float64Array, b: Float64Array, d: number): Float64Array {
  for (let j = 0; j < d; j++) {
    let diagonal = a[j * d + j] as number;
    for (let k = 0; k < j; k++) diagonal -= (a[j * d + k] as number) ** 2;
    const root = Math.sqrt(Math.max(diagonal, 1e-12));
    a[j * d + j] = root;
    for (let i = j + 1; i < d; i++) {
      let value = a[i * d + j] as number;
      for (let k = 0; k < j; k++) value -= (a[i * d + k] as number) * (a[j * d + k] as number);
      a[i * d + j] = value / root;
    }
  }
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let value = b[i] as number;
    for (let k = 0; k < i; k++) value -= (a[i * d + k] as number) * (y[k] as number);
    y[i] = value / (a[i * d + i] as number);
  }
  const x = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let value = y[i] as number;
    for (let k = i + 1; k < d; k++) value -= (a[k * d + i] as number) * (x[k] as number);
    x[i] = value / (a[i * d + i] as number);
  }
  return x;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export function fitLogisticRegression(
  rows: ArrayLike<number>[],
  labels: ArrayLike<number>,
  options: FitOptions,
): LinearModel {
  const { mean, scale } = standardisation(rows);
  const n = rows.length;
  const d = mean.length;
  const p = d + 1; // last coefficient is the bias
  const x = rows.map((row) => {
    const z = new Float64Array(p);
    for (let j = 0; j < d; j++) z[j] = standardised(row[j] as number, mean[j] as number, scale[j] as number);
    z[d] = 1;
    return z;
  });
  const sampleWeight = (i: number) => (options.sampleWeights ? (options.sampleWeights[i] as number) : 1);
  let totalWeight = 0;
  for (let i = 0; i < n; i++) totalWeight += sampleWeight(i);
  const lambda = options.l2 * totalWeight;
  let beta = new Float64Array(p);
  for (let iteration = 0; iteration < (options.maxIterations ?? 50); iteration++) {
    const gradient = new Float64Array(p);
    const hessian = new Float64Array(p * p);
    for (let i = 0; i < n; i++) {
      const xi = x[i] as Float64Array;
      let z = 0;
      for (let j = 0; j < p; j++) z += (xi[j] as number) * (beta[j] as number);
      const mu = sigmoid(z);
      const w = sampleWeight(i);
      const residual = w * (mu - (labels[i] as number));
      const curvature = w * Math.max(mu * (1 - mu), 1e-10);
      for (let j = 0; j < p; j++) {
        const xij = xi[j] as number;
        if (xij === 0) continue;
        gradient[j] = (gradient[j] as number) + residual * xij;
        const rowOffset = j * p;
        for (let k = 0; k <= j; k++)
          hessian[rowOffset + k] = (hessian[rowOffset + k] as number) + curvature * xij * (xi[k] as number);
      }
    }
    for (let j = 0; j < d; j++) {
      gradient[j] = (gradient[j] as number) + lambda * (beta[j] as number);
      hessian[j * p + j] = (hessian[j * p + j] as number) + lambda;
    }
    for (let j = 0; j < p; j++)
      for (let k = j + 1; k < p; k++) hessian[j * p + k] = hessian[k * p + j] as number;
    const step = solveSpd(hessian, gradient, p);
    let largest = 0;
    const next = new Float64Array(p);
    for (let j = 0; j < p; j++) {
      next[j] = (beta[j] as number) - (step[j] as number);
      largest = Math.max(largest, Math.abs(step[j] as number));
    }
    beta = next;
    if (largest < 1e-8) break;
  }
  return { mean, scale, weights: Array.from(beta.subarray(0, d)), bias: beta[d] as number };
}

/** The model's logit (log-odds of adversarial) for one feature vector. */
export function linearScore(model: LinearModel, features: ArrayLike<number>): number {
  let z = model.bias;
  for (let j = 0; j < model.weights.length; j++) {
    z +=
      (model.weights[j] as number) *
      standardised(features[j] as number, model.mean[j] as number, model.scale[j] as number);
  }
  return z;
}
