import { describe, expect, it } from 'vitest';
import { type TrainingExample, trainDetector } from './train-detector.ts';

/**
 * Synthetic corpus: FGSM and PGD raise the first dense feature, as noise would; Square (when
 * asked for) leaves the dense features alone and raises the first stripes feature.
 */
function corpus(options: { reencodedAt?: number; square?: boolean } = {}): TrainingExample[] {
  const examples: TrainingExample[] = [];
  let seed = 1;
  const noise = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647 - 0.5;
  };
  for (let photo = 0; photo < 10; photo++) {
    const variants = [
      { format: 'png', branch: 'lossless' as const, reencodedQuality: null, ownPixels: true },
      { format: 'jpeg', branch: 'jpeg' as const, reencodedQuality: null, ownPixels: true },
      ...(options.reencodedAt
        ? [
            {
              format: 'jpeg',
              branch: 'jpeg' as const,
              reencodedQuality: options.reencodedAt,
              ownPixels: true,
            },
          ]
        : []),
    ];
    for (const variant of variants) {
      const base = { group: `photo-${photo}`, ...variant };
      examples.push({
        ...base,
        features: { dense: [noise(), noise()], stripes: [noise(), noise()] },
        adversarial: false,
        attack: null,
        eps: null,
        success: null,
      });
      for (const attack of ['FGSM', 'PGD', ...(options.square ? ['Square'] : [])]) {
        const dense = attack === 'Square' ? [noise(), noise()] : [2 + noise(), noise()];
        const stripes = attack === 'Square' ? [2 + noise(), noise()] : [noise(), noise()];
        examples.push({
          ...base,
          features: { dense, stripes },
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

  it('fits a dense head per branch and learns the informative feature; no stripes head without Square', () => {
    expect(result.branches.jpeg.dense.examples).toBe(30);
    expect(result.branches.lossless.dense.examples).toBe(30);
    expect(result.branches.jpeg.dense.model.weights[0]).toBeGreaterThan(1);
    expect(result.branches.jpeg.stripes).toBeUndefined();
    expect(result.counts).toEqual({
      examples: 60,
      clean: 20,
      adversarial: 40,
      groups: 10,
      reencoded: 0,
      webpReencoded: 0,
      avifReencoded: 0,
    });
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

  it('trains on clean files resized for analysis but sets the operating point and tables without them', () => {
    // Resized clean files that look like attacks, with no resized attacks: the lossless model
    // learns from them, and their false-positive rate is reported apart.
    const resized: TrainingExample[] = Array.from({ length: 10 }, (_, i) => ({
      group: `photo-${i}`,
      format: 'webp',
      branch: 'resized',
      reencodedQuality: null,
      ownPixels: false,
      features: { dense: [2, 0], stripes: [0, 0] },
      adversarial: false,
      attack: null,
      eps: null,
      success: null,
    }));
    const withResized = trainDetector([...corpus(), ...resized], { l2: 0.01, folds: 5, targetFpr: 0.05 });
    expect(withResized.branches.lossless.dense.examples).toBe(40);
    expect(withResized.crossValidation.clean).toBe(20);
    expect(withResized.resizedClean.examples).toBe(10);
    expect(withResized.resizedClean.falsePositiveRate).toBeGreaterThan(0);
    expect(result.resizedClean).toEqual({ examples: 0, falsePositiveRate: 0 });
    expect(withResized.branches.resized).toBeUndefined();
  });

  it('gives resized inputs a model of their own when there are resized attacks, leaving the others as they were', () => {
    // Resized attacks move the second feature, not the first; resized clean files sit at 0.
    const resized: TrainingExample[] = Array.from({ length: 10 }, (_, i) => [
      { adversarial: false, features: { dense: [0.1 * (i % 3), 0], stripes: [0, 0] }, attack: null },
      { adversarial: true, features: { dense: [0, 2 + 0.1 * (i % 3)], stripes: [0, 0] }, attack: 'FGSM' },
    ]).flatMap((pair, i) =>
      pair.map((e) => ({
        ...e,
        group: `photo-${i}`,
        format: 'jpeg',
        branch: 'resized' as const,
        reencodedQuality: null,
        ownPixels: false,
        eps: e.adversarial ? '8/255' : null,
        success: e.adversarial ? true : null,
      })),
    );
    const withResized = trainDetector([...corpus(), ...resized], { l2: 0.01, folds: 5, targetFpr: 0.05 });
    expect(withResized.branches.resized?.dense.examples).toBe(20);
    expect(withResized.branches.resized?.dense.model.weights[1]).toBeGreaterThan(1);
    expect(withResized.branches.lossless).toEqual(result.branches.lossless);
    expect(withResized.branches.jpeg).toEqual(result.branches.jpeg);
    expect(withResized.crossValidation).toEqual(result.crossValidation);
    expect(withResized.resizedClean.examples).toBe(10);
  });

  it('trains the JPEG branch on re-encoded examples but reports them apart, per quality', () => {
    const widened = trainDetector(corpus({ reencodedAt: 80 }), { l2: 0.01, folds: 5, targetFpr: 0.05 });
    expect(widened.branches.jpeg.dense.examples).toBe(60);
    expect(widened.counts).toMatchObject({ examples: 60, reencoded: 30 });
    expect(widened.crossValidation.rows.map((r) => `${r.attack} ${r.format} ${r.count}`)).toEqual([
      'FGSM jpeg 10',
      'FGSM png 10',
      'PGD jpeg 10',
      'PGD png 10',
    ]);
    expect(widened.crossValidation.clean).toBe(20);
    const at80 = widened.reencoded['4:2:0']?.[80];
    expect(at80?.clean).toBe(10);
    expect(at80?.threshold).toBe(0);
    expect(at80?.rows.map((r) => `${r.attack} ${r.count}`)).toEqual(['FGSM 10', 'PGD 10']);
    expect(at80?.rows.every((r) => r.tpr === 1)).toBe(true);
    expect(result.reencoded).toEqual({});
  });

  it('trains JPEGs with full-resolution chroma a model of their own, reported apart, leaving the others as they were', () => {
    const fullChroma = corpus({ reencodedAt: 90 })
      .filter((e) => e.reencodedQuality === 90)
      .map((e) => ({ ...e, branch: 'jpeg444' as const }));
    const withFullChroma = trainDetector([...corpus(), ...fullChroma], {
      l2: 0.01,
      folds: 5,
      targetFpr: 0.05,
    });
    expect(withFullChroma.branches.jpeg444?.dense.examples).toBe(30);
    expect(withFullChroma.branches.jpeg).toEqual(result.branches.jpeg);
    expect(withFullChroma.branches.lossless).toEqual(result.branches.lossless);
    expect(withFullChroma.crossValidation).toEqual(result.crossValidation);
    expect(Object.keys(withFullChroma.reencoded)).toEqual(['4:4:4']);
    expect(withFullChroma.reencoded['4:4:4']?.[90]?.rows.map((r) => `${r.attack} ${r.count}`)).toEqual([
      'FGSM 10',
      'PGD 10',
    ]);
  });

  it('trains finely quantised JPEGs models of their own per chroma, reported with the rest of their chroma per quality', () => {
    const reencodedAt = (quality: number, branch: TrainingExample['branch']) =>
      corpus({ reencodedAt: quality })
        .filter((e) => e.reencodedQuality === quality)
        .map((e) => ({ ...e, branch }));
    const withFine = trainDetector(
      [
        ...corpus({ reencodedAt: 80 }),
        ...reencodedAt(98, 'jpegFine'),
        ...reencodedAt(90, 'jpeg444'),
        ...reencodedAt(100, 'jpeg444Fine'),
      ],
      { l2: 0.01, folds: 5, targetFpr: 0.05 },
    );
    expect(withFine.branches.jpegFine?.dense.examples).toBe(30);
    expect(withFine.branches.jpeg444Fine?.dense.examples).toBe(30);
    expect(withFine.branches.jpeg).toEqual(
      trainDetector(corpus({ reencodedAt: 80 }), { l2: 0.01, folds: 5, targetFpr: 0.05 }).branches.jpeg,
    );
    expect(Object.keys(withFine.reencoded['4:2:0'] ?? {})).toEqual(['80', '98']);
    expect(Object.keys(withFine.reencoded['4:4:4'] ?? {})).toEqual(['90', '100']);
  });

  it('lets the nearest model there is learn a branch whose data lacks a class', () => {
    // 4:4:4 quality-100 clean files only, and no other 4:4:4 data: the JPEG model learns them.
    const cleanOnly = corpus({ reencodedAt: 100 })
      .filter((e) => e.reencodedQuality === 100 && !e.adversarial)
      .map((e) => ({ ...e, branch: 'jpeg444Fine' as const }));
    const merged = trainDetector([...corpus(), ...cleanOnly], { l2: 0.01, folds: 5, targetFpr: 0.05 });
    expect(Object.keys(merged.branches).sort()).toEqual(['jpeg', 'lossless']);
    expect(merged.branches.jpeg.dense.examples).toBe(40);
  });

  it('lets the nearest model learn a branch whose clean examples cannot set its operating point', () => {
    // Graphics all upscaled for analysis (thumbnails): clean and adversarial, but none on its own pixels.
    const upscaledGraphics = corpus()
      .filter((e) => e.branch === 'lossless')
      .map((e) => ({ ...e, branch: 'graphics' as const, ownPixels: false }));
    const merged = trainDetector([...corpus(), ...upscaledGraphics], { l2: 0.01, folds: 5, targetFpr: 0.05 });
    expect(Object.keys(merged.branches).sort()).toEqual(['jpeg', 'lossless']);
    expect(merged.branches.lossless.dense.examples).toBe(2 * upscaledGraphics.length);
    expect(Number.isFinite(merged.branches.lossless.dense.offset)).toBe(true);
  });

  it('gives Square to a stripes head on lossless and JPEG inputs; the dense heads learn the rest', () => {
    const withSquare = trainDetector(corpus({ square: true }), { l2: 0.01, folds: 5, targetFpr: 0.05 });
    for (const branch of ['lossless', 'jpeg'] as const) {
      const { dense, stripes } = withSquare.branches[branch];
      // Dense head: 10 clean + 20 FGSM/PGD; stripes head: 10 clean + 10 Square.
      expect(dense.examples, branch).toBe(30);
      expect(stripes?.examples, branch).toBe(20);
      expect(dense.model.weights[0]).toBeGreaterThan(1);
      expect(stripes?.model.weights[0]).toBeGreaterThan(1);
    }
    for (const row of withSquare.crossValidation.rows)
      expect(row.auroc, `${row.attack} ${row.format}`).toBe(1);
    // Never having seen Square, the detector has no stripes head and misses it.
    const unseen = withSquare.heldOutAttacks.Square?.rows.find((r) => r.format === 'png');
    expect(unseen?.tprAt5).toBeLessThan(0.5);
  });

  it('gives a branch other than lossless and JPEG a stripes head only when its data has Square', () => {
    const asThumbnails = (examples: TrainingExample[]) =>
      examples.filter((e) => e.branch === 'lossless').map((e) => ({ ...e, branch: 'thumbnail' as const }));
    const options = { l2: 0.01, folds: 5, targetFpr: 0.05 };
    const withSquare = trainDetector([...corpus(), ...asThumbnails(corpus({ square: true }))], options);
    expect(withSquare.branches.thumbnail?.stripes?.examples).toBe(20);
    const without = trainDetector([...corpus(), ...asThumbnails(corpus())], options);
    expect(without.branches.thumbnail?.dense.examples).toBe(30);
    expect(without.branches.thumbnail?.stripes).toBeUndefined();
  });

  it("splits a branch's budget between its heads as asked: half each by default", () => {
    const options = { l2: 0.01, folds: 5, targetFpr: 0.4 };
    const half = trainDetector(corpus({ square: true }), options);
    expect(trainDetector(corpus({ square: true }), { ...options, stripesShare: 0.5 }).branches).toEqual(
      half.branches,
    );
    const stripesFirst = trainDetector(corpus({ square: true }), { ...options, stripesShare: 0.9 });
    for (const branch of ['lossless', 'jpeg'] as const) {
      const [before, after] = [half, stripesFirst].map((result) => result.branches[branch]);
      // More of the budget: a lower offset (more clean files over it); less: a higher one.
      expect(after?.stripes?.offset, branch).toBeLessThan(before?.stripes?.offset as number);
      expect(after?.dense.offset, branch).toBeGreaterThan(before?.dense.offset as number);
      expect(after?.dense.model).toEqual(before?.dense.model);
    }
  });

  it('without a JPEG stripes head the JPEG dense head learns every attack and misses what leaves its features alone', () => {
    const denseOnly = trainDetector(corpus({ square: true }), {
      l2: 0.01,
      folds: 5,
      targetFpr: 0.05,
      stripesBranches: ['lossless'],
    });
    expect(denseOnly.branches.jpeg.stripes).toBeUndefined();
    expect(denseOnly.branches.jpeg.dense.examples).toBe(40);
    const jpegRows = denseOnly.crossValidation.rows.filter((r) => r.format === 'jpeg');
    for (const row of jpegRows.filter((r) => r.attack !== 'Square')) expect(row.auroc).toBeGreaterThan(0.9);
    expect(jpegRows.find((r) => r.attack === 'Square')?.auroc).toBeLessThan(0.8);
  });

  it('trains on train-only examples but leaves them out of every table', () => {
    const extra = corpus()
      .filter((e) => e.adversarial)
      .map((e) => ({ ...e, attack: 'CW-L2', eps: 'c=1', trainOnly: true }));
    const withExtra = trainDetector([...corpus(), ...extra], { l2: 0.01, folds: 5, targetFpr: 0.05 });
    expect(withExtra.crossValidation.rows.some((row) => row.attack === 'CW-L2')).toBe(false);
    expect(Object.keys(withExtra.heldOutAttacks)).toContain('CW-L2');
    expect(withExtra.heldOutAttacks['CW-L2']?.rows.some((row) => row.attack === 'CW-L2')).toBe(false);
    expect(withExtra.branches.lossless.dense.examples).toBe(result.branches.lossless.dense.examples + 20);
  });

  it('can weigh every attack type the same', () => {
    // Ten times as many FGSM as PGD examples: balanced, PGD's own rows keep their weight.
    const skewed = corpus().flatMap((e) => (e.attack === 'FGSM' ? Array<TrainingExample>(10).fill(e) : [e]));
    const balanced = trainDetector(skewed, { l2: 0.01, folds: 5, targetFpr: 0.05, balanceAttacks: true });
    const plain = trainDetector(skewed, { l2: 0.01, folds: 5, targetFpr: 0.05 });
    expect(balanced.branches.lossless.dense.model.weights).not.toEqual(
      plain.branches.lossless.dense.model.weights,
    );
  });

  it('refuses a lossless model whose clean examples cannot set its operating point', () => {
    // Thumbnail graphics alone (scored upscaled): their nearest model is the lossless one, which
    // then has no clean file on its own pixels.
    const upscaledGraphicsOnly = corpus()
      .filter((e) => e.branch === 'lossless')
      .map((e) => ({ ...e, branch: 'graphics' as const, ownPixels: false }));
    const jpegs = corpus().filter((e) => e.branch === 'jpeg');
    expect(() =>
      trainDetector([...jpegs, ...upscaledGraphicsOnly], { l2: 0.01, folds: 5, targetFpr: 0.05 }),
    ).toThrow(/lossless model has \d+ examples but no clean one .* on its own pixels/);
  });

  it('refuses a branch without clean examples', () => {
    const noCleanJpeg = corpus().filter((e) => e.adversarial || e.format !== 'jpeg');
    expect(() => trainDetector(noCleanJpeg, { l2: 0.01, folds: 5, targetFpr: 0.05 })).toThrow(
      /both clean and adversarial/,
    );
  });
});
