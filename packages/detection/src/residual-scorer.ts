import type { RgbImage } from '@advscreen/contracts';
import type { CalibrationFile, DetectorModelFile } from './detector-file.ts';
import { branchFeatures, branchOf } from './features/branch.ts';
import { chromaNoiseRate, extractResidualFeatures } from './features/residual-features.ts';
import type { ImageOrigin, Scorer } from './scorer.ts';
import { linearScore } from './training/logistic-regression.ts';

export function detectorName(model: DetectorModelFile): string {
  return `${model.id}@${model.version}`;
}

/**
 * The production scorer: residual co-occurrence features and a linear model for the input's
 * branch (JPEG or lossless). The score is that model's log-odds of "adversarial" minus the
 * branch's offset, so 0 is the default operating point of both branches; a calibration file
 * moves the threshold to the user's own traffic.
 */
export function createResidualScorer(model: DetectorModelFile, calibration?: CalibrationFile): Scorer {
  const name = detectorName(model);
  if (calibration && calibration.detector !== name) {
    throw new Error(
      `calibration is for ${calibration.detector}, but the detector is ${name}: run advscreen calibrate again`,
    );
  }
  return {
    name,
    threshold: calibration?.threshold ?? model.threshold,
    score(image: RgbImage, origin: ImageOrigin) {
      const branchName = branchOf(origin.format);
      const branch = model.branches[branchName];
      const residual = extractResidualFeatures(image);
      const logit = linearScore(branch.model, branchFeatures(branchName, residual, origin.jpegQuantStep));
      return {
        score: logit - branch.offset,
        signals: {
          logit,
          jpegBranch: branchName === 'jpeg' ? 1 : 0,
          ...(origin.jpegQuantStep !== null ? { jpegQuantStep: origin.jpegQuantStep } : {}),
          chromaNoiseRate: chromaNoiseRate(residual),
        },
      };
    },
  };
}
