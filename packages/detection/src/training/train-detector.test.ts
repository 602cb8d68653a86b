import { describe, expect, it } from 'vitest';
import { type TrainingExample, trainDetector } from './train-detector.ts';

/** Synthetic corpus: adversarial examples have a raised first feature, as noise would. */
function corpus(options: { reencodedAt?: number } = {}): TrainingExample[] {
  const examples: TrainingExample[] = [];
  let seed = 1;
  const noise = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647 - 0.5;
  };
  for (let photo = 0; photo < 10; photo++) {
    const variants = [
      { format: 'png', branch: 'lossless' as const, reencodedQuality: null },
      { format: 'jpeg', branch: 'jpeg' as const, reencodedQuality: null },
      ...(options.reencodedAt
        ? [{ format: 'jpeg', branch: 'jpeg' as const, reencodedQuality: options.reencodedAt }]
        : []),
    ];
    for (const variant of variants) {
      const base = { group: `photo-${photo}`, ...variant };
      examples.push({
        ...base,
        features: [noise(), noise()],
        adversarial: false,
        attack: null,
        eps: null,
        success: null,
      });
      for (const attack of ['FGSM', 'PGD']) {
        examples.push({
          ...base,
          features: [2 + noise(), noise()],
          adversarial: true,
          attack,
          eps: '8/255',
          success: true,
        });
      }
    }
  }
  return examples;
}

describe('trainDetector', () => {
  const result = trainDetector(corpus(), { l2: 0.01, folds: 5, targetFpr: 0.05 });

  it('fits one model per branch and learns the informative feature', () => {
    expect(result.branches.jpeg.examples).toBe(30);
    expect(result.branches.lossless.examples).toBe(30);
    expect(result.branches.jpeg.model.weights[0]).toBeGreaterThan(1);
    expect(result.counts).toEqual({ examples: 60, clean: 20, adversarial: 40, groups: 10, reencoded: 0 });
  });

  it('reports held-out photos per attack and format', () => {
    const rows = result.crossValidation.rows.map((r) => `${r.attack} ${r.format} ${r.count}`);
    expect(rows).toEqual(['FGSM jpeg 10', 'FGSM png 10', 'PGD jpeg 10', 'PGD png 10']);
    for (const row of result.crossValidation.rows) expect(row.auroc).toBe(1);
  });

  it('gives every example its out-of-fold score, in input order', () => {
    const examples = corpus();
    expect(result.outOfFold).toHaveLength(examples.length);
    expect(result.outOfFold.every(Number.isFinite)).toBe(true);
    const mean = (adversarial: boolean) => {
      const scores = result.outOfFold.filter((_, i) => examples[i]?.adversarial === adversarial);
      return scores.reduce((a, b) => a + b, 0) / scores.length;
    };
    expect(mean(true)).toBeGreaterThan(mean(false));
  });

  it('reports each attack type with that type left out of training', () => {
    expect(Object.keys(result.heldOutAttacks)).toEqual(['FGSM', 'PGD']);
    expect(result.heldOutAttacks.FGSM?.rows.every((r) => r.attack === 'FGSM')).toBe(true);
  });

  it('trains the JPEG branch on re-encoded examples but reports them apart, per quality', () => {
    const widened = trainDetector(corpus({ reencodedAt: 80 }), { l2: 0.01, folds: 5, targetFpr: 0.05 });
    expect(widened.branches.jpeg.examples).toBe(60);
    expect(widened.counts).toMatchObject({ examples: 60, reencoded: 30 });
    expect(widened.crossValidation.rows.map((r) => `${r.attack} ${r.format} ${r.count}`)).toEqual([
      'FGSM jpeg 10',
      'FGSM png 10',
      'PGD jpeg 10',
      'PGD png 10',
    ]);
    expect(widened.crossValidation.clean).toBe(20);
    const at80 = widened.reencoded[80];
    expect(at80?.clean).toBe(10);
    expect(at80?.threshold).toBe(0);
    expect(at80?.rows.map((r) => `${r.attack} ${r.count}`)).toEqual(['FGSM 10', 'PGD 10']);
    expect(at80?.rows.every((r) => r.tpr === 1)).toBe(true);
    expect(result.reencoded).toEqual({});
  });

  it('refuses a branch without clean examples', () => {
    const noCleanJpeg = corpus().filter((e) => e.adversarial || e.format !== 'jpeg');
    expect(() => trainDetector(noCleanJpeg, { l2: 0.01, folds: 5, targetFpr: 0.05 })).toThrow(
      /both clean and adversarial/,
    );
  });
});
