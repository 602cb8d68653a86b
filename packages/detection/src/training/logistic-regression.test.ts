import { describe, expect, it } from 'vitest';
import {
  attackBalancedWeights,
  balancedWeights,
  fitLogisticRegression,
  linearScore,
} from './logistic-regression.ts';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

describe('fitLogisticRegression', () => {
  const rows = [
    [0.1, 3],
    [0.4, 1],
    [0.3, 2],
    [0.9, 2],
    [0.8, 0],
    [0.6, 1],
    [0.2, 0],
    [0.7, 3],
  ];
  const labels = [0, 0, 0, 1, 1, 1, 0, 1];

  it('reaches the regularised optimum (gradient zero)', () => {
    const l2 = 0.05;
    const model = fitLogisticRegression(rows, labels, { l2 });
    // Gradient of sum(loss) + l2*n/2*|w|^2 in standardised coordinates must vanish.
    const standardised = rows.map((r) =>
      r.map((v, j) => (v - (model.mean[j] as number)) / (model.scale[j] as number)),
    );
    let g0 = l2 * rows.length * (model.weights[0] as number);
    let g1 = l2 * rows.length * (model.weights[1] as number);
    let gBias = 0;
    standardised.forEach((x, i) => {
      const residual = sigmoid(linearScore(model, rows[i] as number[])) - (labels[i] as number);
      g0 += residual * (x[0] as number);
      g1 += residual * (x[1] as number);
      gBias += residual;
    });
    for (const g of [g0, g1, gBias]) expect(Math.abs(g)).toBeLessThan(1e-9);
    expect(model.weights[0]).toBeGreaterThan(0);
  });

  it('ranks the informative direction correctly', () => {
    const model = fitLogisticRegression(rows, labels, { l2: 0.01 });
    expect(linearScore(model, [0.95, 1])).toBeGreaterThan(linearScore(model, [0.05, 1]));
  });

  it('standardises a constant feature to zero instead of dividing by zero', () => {
    const model = fitLogisticRegression(
      rows.map((r) => [r[0] as number, 5]),
      labels,
      { l2: 0.01 },
    );
    expect(model.scale[1]).toBe(1);
    expect(Number.isFinite(linearScore(model, [0.5, 5]))).toBe(true);
  });

  it('counts a missing (NaN) feature as its mean, in fitting and scoring', () => {
    const withGaps = rows.map((r, i) => [r[0] as number, i % 4 === 0 ? Number.NaN : (r[1] as number)]);
    const model = fitLogisticRegression(withGaps, labels, { l2: 0.01 });
    expect(model.weights.every(Number.isFinite)).toBe(true);
    expect(model.mean[1]).toBeCloseTo((1 + 2 + 2 + 1 + 0 + 3) / 6, 12); // rows 0 and 4 missing
    expect(linearScore(model, [0.5, Number.NaN])).toBeCloseTo(
      linearScore(model, [0.5, model.mean[1] as number]),
      12,
    );
  });

  it('gives uninformative data a zero weight and the class balance as bias', () => {
    const model = fitLogisticRegression([[0], [0], [1], [1]], [0, 1, 0, 1], { l2: 0.01 });
    expect(model.weights[0]).toBeCloseTo(0, 9);
    expect(model.bias).toBeCloseTo(0, 9);
  });
});

describe('sample weights', () => {
  const examples = [
    { adversarial: false, attack: null },
    { adversarial: false, attack: null },
    { adversarial: true, attack: 'FGSM' },
    { adversarial: true, attack: 'FGSM' },
    { adversarial: true, attack: 'FGSM' },
    { adversarial: true, attack: 'CW-L2' },
  ];
  const total = (weights: number[], keep: (e: (typeof examples)[number]) => boolean) =>
    weights.reduce((sum, w, i) => sum + (keep(examples[i] as (typeof examples)[number]) ? w : 0), 0);

  it('balancedWeights gives both classes the same total', () => {
    const weights = balancedWeights(examples);
    expect(total(weights, (e) => e.adversarial)).toBeCloseTo(
      total(weights, (e) => !e.adversarial),
      12,
    );
  });

  it('attackBalancedWeights also gives every attack type the same total within the adversarial class', () => {
    const weights = attackBalancedWeights(examples);
    expect(total(weights, (e) => e.adversarial)).toBeCloseTo(
      total(weights, (e) => !e.adversarial),
      12,
    );
    expect(total(weights, (e) => e.attack === 'FGSM')).toBeCloseTo(
      total(weights, (e) => e.attack === 'CW-L2'),
      12,
    );
    expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(examples.length, 12);
  });
});
