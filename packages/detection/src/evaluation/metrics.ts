/**
 * Detection-quality metrics over scores where higher means "more likely adversarial".
 * Ties count half, as in the Mann-Whitney definition of AUROC.
 */

export function auroc(negatives: readonly number[], positives: readonly number[]): number {
  if (negatives.length === 0 || positives.length === 0) return Number.NaN;
  // A NaN would never equal itself in the tie loop below, which would then spin forever.
  if (![...negatives, ...positives].every((score) => !Number.isNaN(score)))
    throw new Error('auroc: a score is NaN');
  const all = [
    ...negatives.map((score) => ({ score, positive: false })),
    ...positives.map((score) => ({ score, positive: true })),
  ].sort((a, b) => a.score - b.score);
  let rankSumPositives = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && (all[j] as { score: number }).score === (all[i] as { score: number }).score) j++;
    const averageRank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++)
      if ((all[k] as { positive: boolean }).positive) rankSumPositives += averageRank;
    i = j;
  }
  const np = positives.length;
  return (rankSumPositives - (np * (np + 1)) / 2) / (np * negatives.length);
}

/**
 * The smallest threshold whose false-positive rate on `negatives` is at most `fpr`
 * (verdict: score > threshold). With n negatives, floor(fpr * n) of them may lie above it.
 */
export function thresholdAtFpr(negatives: readonly number[], fpr: number): number {
  const sorted = [...negatives].sort((a, b) => b - a);
  const allowed = Math.floor(fpr * sorted.length);
  return sorted[allowed] ?? Number.NEGATIVE_INFINITY;
}

export function rateAbove(scores: readonly number[], threshold: number): number {
  if (scores.length === 0) return Number.NaN;
  return scores.filter((score) => score > threshold).length / scores.length;
}

/** Wilson score interval for a binomial proportion k/n, at about 95% by default. */
export function wilsonInterval(k: number, n: number, z = 1.96): { low: number; high: number } {
  if (n === 0) return { low: 0, high: 1 };
  const p = k / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/**
 * How much grouping widens a rate's variance (the design effect of cluster sampling): the
 * spread of flagged items between groups against what independent items would give. 1 when
 * every item is its own group; large when a few groups hold the flagged items (one grainy
 * photo's crops, one sender's uploads). With none flagged, or all, the spread cannot be seen,
 * and the items count as independent.
 */
function designEffect(items: readonly GroupedFlag[], rate: number): number {
  const n = items.length;
  if (rate === 0 || rate === 1) return 1;
  const groups = new Map<string, { items: number; flagged: number }>();
  for (const { flagged, group } of items) {
    const g = groups.get(group) ?? { items: 0, flagged: 0 };
    g.items++;
    if (flagged) g.flagged++;
    groups.set(group, g);
  }
  if (groups.size === n) return 1;
  if (groups.size < 2) return n;
  let squares = 0;
  for (const g of groups.values()) squares += (g.flagged - rate * g.items) ** 2;
  const betweenGroups = (groups.size / (groups.size - 1)) * (squares / (n * n));
  return Math.max(1, betweenGroups / ((rate * (1 - rate)) / n));
}

export interface GroupedFlag {
  flagged: boolean;
  /** Items of one group (crops of one photo) are not independent draws. */
  group: string;
}

/** The share flagged, with a 95% Wilson interval on the effective number of items when they come in groups. */
export function groupedRate(items: readonly GroupedFlag[]): { estimate: number; low: number; high: number } {
  const estimate = items.length === 0 ? 0 : items.filter((i) => i.flagged).length / items.length;
  const effective = items.length / designEffect(items, estimate);
  return { estimate, ...wilsonInterval(estimate * effective, effective) };
}
