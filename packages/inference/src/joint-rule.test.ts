import { describe, expect, it } from 'vitest';
import {
  fitJointRule,
  JOINT_FEATURES,
  type JointExample,
  JointRule,
  jointFeatures,
  jointScore,
  jointThreshold,
  ruleAllowance,
  usesTranslatedCopy,
} from './joint-rule.ts';

/** Clean images: confident and consistent; attacks: squeezing moves them and the detector leans towards them. */
function examples(): JointExample[] {
  let seed = 3;
  const noise = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const out: JointExample[] = [];
  for (let i = 0; i < 200; i++) {
    out.push({
      detectorScore: -3 + noise(),
      jpegInput: i % 2 === 0,
      consistency: 0.2 * noise(),
      topProbability: 0.9 + 0.09 * noise(),
      marginDrop: noise() - 0.5,
      translated: { distance: 0.1 * noise(), marginDrop: noise() - 0.5 },
      adversarial: false,
      detectorFlagged: false,
      group: `photo-${i % 40}`,
    });
  }
  for (let i = 0; i < 100; i++) {
    out.push({
      detectorScore: -1 + noise(),
      jpegInput: i % 2 === 0,
      consistency: 0.5 + noise(),
      topProbability: 0.5 + 0.2 * noise(),
      marginDrop: 2 * noise(),
      translated: { distance: 0.3 + noise(), marginDrop: 2 * noise() },
      adversarial: true,
      detectorFlagged: false,
      group: `photo-${i % 40}`,
    });
  }
  return out;
}

describe('jointFeatures', () => {
  /** Evidence from a stage that did not run the translated copy. */
  const untranslated = {
    detectorScore: -2,
    consistency: 0.5,
    topProbability: 0.75,
    marginDrop: 1.5,
    jpegInput: false,
    translated: null,
  };

  it('is the detector score, the distance, the top log-odds, their products, the margin drops and the JPEG terms', () => {
    const evidence = { ...untranslated, translated: { distance: 0.25, marginDrop: -0.5 } };
    expect(jointFeatures({ ...evidence, jpegInput: false })).toEqual([
      -2,
      0.5,
      Math.log(3),
      0.25,
      -1,
      0,
      0,
      0,
      1.5,
      0,
      0.25,
      0,
      -0.5,
      -0,
    ]);
    expect(jointFeatures({ ...evidence, jpegInput: true }).slice(5)).toEqual([
      1,
      0.5,
      Math.log(3),
      1.5,
      1.5,
      0.25,
      0.25,
      -0.5,
      -0.5,
    ]);
    expect(jointFeatures({ ...evidence, jpegInput: true })).toHaveLength(JOINT_FEATURES.length);
  });

  it('needs the translated copy only for a rule that reads it', () => {
    const evidence = untranslated;
    expect(() => jointFeatures(evidence)).toThrow(/translated copy/);
    expect(usesTranslatedCopy({ features: JOINT_FEATURES })).toBe(true);
    const tenTerms = JOINT_FEATURES.slice(0, 10);
    expect(usesTranslatedCopy({ features: tenTerms })).toBe(false);
    expect(usesTranslatedCopy(null)).toBe(false);
    expect(jointFeatures(evidence, tenTerms)).toEqual(
      jointFeatures({ ...evidence, translated: { distance: 9, marginDrop: 9 } }, tenTerms),
    );
    expect(
      JointRule.safeParse({
        features: tenTerms,
        model: { mean: Array(10).fill(0), scale: Array(10).fill(1), weights: Array(10).fill(0), bias: 0 },
        threshold: 0,
        targetFpr: 0.02,
      }).success,
    ).toBe(true);
  });

  it('gives a rule fitted before the margin drop its own eight terms', () => {
    const model = {
      mean: Array(8).fill(0),
      scale: Array(8).fill(1),
      weights: [1, 0, 0, 0, 0, 0, 0, 0],
      bias: 0,
    };
    const earlier = JointRule.parse({
      features: JOINT_FEATURES.slice(0, 8),
      model,
      threshold: 0,
      targetFpr: 0.02,
    });
    const evidence = untranslated;
    expect(jointFeatures(evidence, earlier.features)).toHaveLength(8);
    expect(jointScore(earlier, evidence)).toBeCloseTo(-2);
    // Terms in another order, or weights that do not match the terms, are refused.
    expect(JointRule.safeParse({ ...earlier, features: [...earlier.features].reverse() }).success).toBe(
      false,
    );
    expect(JointRule.safeParse({ ...earlier, features: [...JOINT_FEATURES] }).success).toBe(false);
  });
});

describe('fitJointRule', () => {
  it('separates what no single threshold was given, within the budget on clean images', () => {
    const data = examples();
    const rule = JointRule.parse(fitJointRule(data, 0.02));
    const flagged = (e: JointExample) => jointScore(rule, e) > rule.threshold;
    const clean = data.filter((e) => !e.adversarial);
    expect(clean.filter(flagged).length).toBeLessThanOrEqual(0.03 * clean.length);
    expect(data.filter((e) => e.adversarial && flagged(e)).length).toBeGreaterThan(95);
  });

  it('refuses evidence that is not finite rather than fit NaN weights', () => {
    const data = examples().map((e, i) => (i === 7 ? { ...e, detectorScore: Number.NaN } : e));
    expect(() => fitJointRule(data, 0.02)).toThrow(/finite evidence: 1 of 300 examples .* photo-7/);
  });

  it('leaves the rule only what the detector did not spend of the budget', () => {
    const data = examples().map((e, i) => (!e.adversarial && i < 4 ? { ...e, detectorFlagged: true } : e));
    const rule = fitJointRule(data, 0.02);
    // 2% of 200 clean = 4, all spent by the detector: the rule flags none of the clean images it passed.
    expect(rule.threshold).toBe(Number.MAX_VALUE);
    expect(JSON.parse(JSON.stringify(rule)).threshold).toBe(Number.MAX_VALUE);
    // On other clean images where the detector flags none, the same rule gets the whole 2%.
    const moved = jointThreshold(
      rule,
      examples().filter((e) => !e.adversarial),
    );
    expect(moved).toBeLessThan(Number.MAX_VALUE);
  });

  it('counts the clean images the rule may flag: the budget less the detector and the sanity share', () => {
    const clean = (flagged: number) =>
      Array.from({ length: 200 }, (_, i) => ({ detectorFlagged: i < flagged }));
    expect(ruleAllowance(clean(0), 0.02, 0)).toBeCloseTo(4, 9);
    expect(ruleAllowance(clean(1), 0.02, 0.01)).toBeCloseTo(1, 9);
    expect(ruleAllowance(clean(5), 0.02, 0)).toBe(0);
  });

  it('leaves the sanity checks the share their bounds are set to flag', () => {
    const data = examples();
    const clean = data.filter((e) => !e.adversarial);
    const flaggedClean = (rule: JointRule) =>
      clean.filter((e) => jointScore(rule, e) > rule.threshold).length;
    const whole = fitJointRule(data, 0.02);
    const shared = fitJointRule(data, 0.02, { sanityShare: 0.01 });
    expect(shared.sanityShare).toBe(0.01);
    expect(shared.threshold).toBeGreaterThan(whole.threshold);
    expect(flaggedClean(shared)).toBeLessThan(flaggedClean(whole));
    // Everything left to them: the rule flags no clean image.
    expect(fitJointRule(data, 0.02, { sanityShare: 0.02 }).threshold).toBe(Number.MAX_VALUE);
    // Moved to other clean images, the rule keeps its share out; a rule from before has none.
    const { sanityShare: _, ...older } = shared;
    expect(jointThreshold(shared, clean)).toBeGreaterThan(jointThreshold(older, clean));
  });

  it('fits a floored rule: lossless inputs scored under the floor count as the floor, in every term', () => {
    const data = examples();
    const rule = JointRule.parse(fitJointRule(data, 0.02, { detectorFloor: -2.5 }));
    expect(rule.detectorFloor).toBe(-2.5);
    expect(rule.features).toEqual(JOINT_FEATURES);
    expect(fitJointRule(data, 0.02, { features: JOINT_FEATURES.slice(0, 10) }).features).toEqual(
      JOINT_FEATURES.slice(0, 10),
    );
    const clean = data.filter((e) => !e.adversarial);
    expect(clean.filter((e) => jointScore(rule, e) > rule.threshold).length).toBeLessThanOrEqual(
      0.03 * clean.length,
    );
    const lossless = clean.find((e) => !e.jpegInput);
    if (!lossless) throw new Error('no lossless clean example');
    const at = (detectorScore: number, jpegInput: boolean) =>
      jointScore(rule, { ...lossless, detectorScore, jpegInput });
    expect(at(-9, false)).toBe(at(-2.5, false));
    expect(at(-1, false)).not.toBe(at(-2.5, false));
    // A JPEG input keeps its own score.
    expect(at(-9, true)).not.toBe(at(-2.5, true));
    // An attack the detector cannot see at all, unlike any it was fitted on (DeepFool on a smooth
    // photo), whose answer moves under squeezing: the floored rule flags it, the plain one reads
    // its very low detector score as a clean image's.
    const unseen = {
      detectorScore: -9,
      jpegInput: false,
      consistency: 0.4,
      topProbability: 0.8,
      marginDrop: 0.4,
      translated: { distance: 0.2, marginDrop: 0.4 },
    };
    const plain = fitJointRule(data, 0.02);
    expect(jointScore(rule, unseen)).toBeGreaterThan(rule.threshold);
    expect(jointScore(plain, unseen)).toBeLessThan(plain.threshold);
  });
});
