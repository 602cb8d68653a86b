// The lossless models of a detector file at an operating point of their own, for a branch that
// holds them weight for weight (palette, resizedLossless): each head's offset set on the clean
// files' unshifted head scores so that the heads together flag `share` of them, split between
// heads as the detector's training split its budget.
import { type DetectorModelFile, thresholdAtFpr } from '@advscreen/detection';

export function losslessAtOwnPoint(
  base: DetectorModelFile,
  scores: { dense: readonly number[]; stripes: readonly number[] },
  share: number,
): DetectorModelFile['branches']['lossless'] {
  const { lossless } = base.branches;
  const stripesShare = base.trainedOn.stripesShare ?? 0.5;
  const denseShare = lossless.stripes ? 1 - stripesShare : 1;
  return {
    dense: {
      ...lossless.dense,
      offset: thresholdAtFpr(scores.dense, share * denseShare),
      clean: scores.dense.length,
    },
    ...(lossless.stripes
      ? {
          stripes: {
            ...lossless.stripes,
            offset: thresholdAtFpr(scores.stripes, share * stripesShare),
            clean: scores.stripes.length,
          },
        }
      : {}),
  };
}
