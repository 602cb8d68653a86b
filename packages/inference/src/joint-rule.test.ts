import { describe, expect, it } from 'vitest';
import { fitJointRule, type JointExample, JointRule, jointFeatures, jointScore } from './joint-rule.ts';

/** Clean images: confident and consistent; attacks: squeezing moves them and the detector leans towards them. */
function examples(): JointExample[] {
  let seed = 3;
  const noise = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  const out: JointExample[] = [];
  for (let i = 0; i < 200; i++) {
    const detectorScore = -3 + noise();
    out.push({
      detectorScore,
      consistency: 0.2 * noise(),
      topProbability: 0.9 + 0.09 * noise(),
      adversarial: false,
      detectorFlagged: false,
    });
  }
  for (let i = 0; i < 100; i++) {
    out.push({
      detectorScore: -1 + noise(),
      consistency: 0.5 + noise(),
      topProbability: 0.5 + 0.2 * noise(),
      adversarial: true,
      detectorFlagged: false,
    });
  }
  return out;
}

describe('jointFeatures', () => {
  it('is the detector score, the distance, the top log-odds and two products', () => {
    expect(jointFeatures({ detectorScore: -2, consistency: 0.5, topProbability: 0.75 })).toEqual([
      -2,
      0.5,
      Math.log(3),
      0.25,
      -1,
    ]);
  });
});

describe('fitJointRule', () => {
  it('separates what no single threshold was given, within the budget on clean images', () => {
    const data = examples();
    const rule = JointRule.parse(fitJointRule(data, 0.02));
    const flagged = (e: JointExample) => jointScore(rule, e) > rule.threshold;
    const clean = data.filter((e) => !e.adversarial);
    expect(clean.filter(flagged).length).toBeLessThanOrEqual(0.02 * clean.length);
    expect(data.filter((e) => e.adversarial && flagged(e)).length).toBeGreaterThan(95);
  });

  it('leaves the rule only what the detector did not spend of the budget', () => {
    const data = examples().map((e, i) => (!e.adversarial && i < 4 ? { ...e, detectorFlagged: true } : e));
    const rule = fitJointRule(data, 0.02);
    const passedClean = data.filter((e) => !e.adversarial && !e.detectorFlagged);
    // 2% of 200 clean = 4, all spent by the detector: the rule flags none of the clean images it passed.
    expect(passedClean.filter((e) => jointScore(rule, e) > rule.threshold)).toHaveLength(0);
    expect(JSON.parse(JSON.stringify(rule)).threshold).toBe(Number.MAX_VALUE);
  });
});
