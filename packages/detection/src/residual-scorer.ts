import type { RgbImage } from '@advscreen/contracts';
import type { CalibrationFile, DetectorModelFile } from './detector-file.ts';
import {
  type Branch,
  type Head,
  inputFeatures,
  isFineQuantBranch,
  isFullChromaBranch,
  isHalfChromaBranch,
  isJpegBranch,
  LUMA_OPINION,
  SECOND_OPINION,
  scoredView,
} from './features/branch.ts';
import { chromaNoiseRate, extractGreyResidualFeatures } from './features/residual-features.ts';
import { cropRgb, roundedLuma } from './pixels.ts';
import type { ImageOrigin, Scorer } from './scorer.ts';
import { linearScore } from './training/logistic-regression.ts';
import type { TrainedBranch, TrainedHead } from './training/train-detector.ts';

/** A head's score less its offset: 0 is its operating point. */
const offsetScore = (head: TrainedHead, features: ArrayLike<number>) =>
  linearScore(head.model, features) - head.offset;

/** Each head's offset score for a branch's model; a branch without a stripes head scores -Infinity there. */
function headScores(branch: TrainedBranch, features: Record<Head, number[]>): [number, number] {
  return [
    offsetScore(branch.dense, features.dense),
    branch.stripes ? offsetScore(branch.stripes, features.stripes) : Number.NEGATIVE_INFINITY,
  ];
}

export function detectorName(model: DetectorModelFile): string {
  return `${model.id}@${model.version}`;
}

/**
 * The production scorer: per input branch (JPEG, lossless, resized), a dense head (residual
 * co-occurrences) and, on JPEG and lossless inputs, a stripes head (chroma stripes; on JPEG also
 * luminance stripes), each a linear model. The score is the
 * larger of the heads' log-odds of "adversarial", each less its offset, so 0 is the default
 * operating point of every branch; on lossless colour inputs the luminance model's, where it is
 * above its own point. A calibration file moves the threshold to the user's own traffic.
 */
export function createResidualScorer(model: DetectorModelFile, calibration?: CalibrationFile): Scorer {
  const name = detectorName(model);
  if (calibration && calibration.detector !== name) {
    throw new Error(
      `calibration is for ${calibration.detector}, but the detector is ${name}: run advscreen calibrate again`,
    );
  }
  const hasModel = (branch: Branch) => model.branches[branch] !== undefined;
  return {
    name,
    threshold: calibration?.threshold ?? model.threshold,
    score(analysis: RgbImage, analysed: ImageOrigin) {
      const {
        image: whole,
        origin,
        branch: branchName,
        thumbnail,
      } = scoredView(analysis, analysed, hasModel);
      // A picture inside bars is scored on its own (the bars would dilute its features), except
      // by the graphics model, which learned drawings with their margins.
      const image = origin.picture && branchName !== 'graphics' ? cropRgb(whole, origin.picture) : whole;
      const branch = model.branches[branchName] ?? model.branches.lossless;
      // Inputs resized for analysis have no stripes head; the signal is recorded for every branch.
      const { residual, stripes, heads: features } = inputFeatures(image, origin, branchName);
      const [denseScore, stripesScore] = headScores(branch, features);
      // A second opinion on the same features (AVIF: the lossless model), when the branch has one.
      const second = SECOND_OPINION[branchName];
      const secondModel = second ? model.branches[second] : undefined;
      const secondScore = secondModel ? Math.max(...headScores(secondModel, features)) : undefined;
      // A palette file on the graphics route is flagged only if the palette model agrees: the
      // graphics model never learned palette dithering and flagged a quarter of palette-coded
      // photos, the palette model nearly half of palette-coded drawings (docs/decisions/0016-graphics.md).
      const paletteModel = branchName === 'graphics' && origin.palette ? model.branches.palette : undefined;
      const paletteScore = paletteModel ? Math.max(...headScores(paletteModel, features)) : undefined;
      const colourScore = Math.min(
        Math.max(denseScore, stripesScore, secondScore ?? Number.NEGATIVE_INFINITY),
        paletteScore ?? Number.POSITIVE_INFINITY,
      );
      const lumaModel = LUMA_OPINION.includes(branchName) ? model.branches.luma : undefined;
      const lumaScore = lumaModel
        ? offsetScore(
            lumaModel.dense,
            extractGreyResidualFeatures(roundedLuma(image), image.width, image.height),
          )
        : undefined;
      return {
        // The luminance model only ever flags: below its point the score stays the colour models',
        // which the model stage's joint rule was fitted on.
        score: lumaScore !== undefined && lumaScore > 0 ? Math.max(colourScore, lumaScore) : colourScore,
        signals: {
          denseScore,
          ...(branch.stripes ? { stripesScore } : {}),
          ...(secondScore !== undefined ? { secondOpinionScore: secondScore } : {}),
          ...(paletteScore !== undefined ? { paletteScore } : {}),
          ...(lumaScore !== undefined ? { lumaScore } : {}),
          jpegBranch: isJpegBranch(branchName) ? 1 : 0,
          ...(isFullChromaBranch(branchName) ? { fullChromaBranch: 1 } : {}),
          ...(isHalfChromaBranch(branchName) ? { halfChromaBranch: 1 } : {}),
          ...(isFineQuantBranch(branchName) ? { fineQuantBranch: 1 } : {}),
          ...(branchName === 'resized' ? { resizedBranch: 1 } : {}),
          ...(branchName === 'webp' ? { webpBranch: 1 } : {}),
          ...(branchName === 'avif' ? { avifBranch: 1 } : {}),
          ...(branchName === 'palette' ? { paletteBranch: 1 } : {}),
          ...(branchName === 'grey' ? { greyBranch: 1 } : {}),
          ...(branchName === 'graphics' ? { graphicsBranch: 1 } : {}),
          // Scored on a thumbnail's own pixels (by the thumbnail model, or a JPEG model).
          ...(thumbnail ? { thumbnail: 1 } : {}),
          ...(origin.flatShare !== undefined ? { flatShare: origin.flatShare } : {}),
          // Share of the analysis image inside uniform edge bars, when only that was scored.
          ...(image !== whole
            ? { pictureShare: (image.width * image.height) / (whole.width * whole.height) }
            : {}),
          ...(origin.jpegQuantStep !== null ? { jpegQuantStep: origin.jpegQuantStep } : {}),
          chromaNoiseRate: chromaNoiseRate(residual),
          // Strongest vertical chroma stripes (top-quarter tiles, R-G or B-G), in 8-bit steps.
          chromaStripes: Math.max(stripes[1] as number, stripes[4] as number),
        },
      };
    },
  };
}

/** Which of the detector's models scored an input, read back from the signals it recorded. */
export function scoredBranch(signals: Readonly<Record<string, number>>): Branch {
  if (signals.resizedBranch === 1) return 'resized';
  if (signals.webpBranch === 1) return 'webp';
  if (signals.avifBranch === 1) return 'avif';
  if (signals.paletteBranch === 1) return 'palette';
  if (signals.greyBranch === 1) return 'grey';
  if (signals.graphicsBranch === 1) return 'graphics';
  if (signals.jpegBranch !== 1) return signals.thumbnail === 1 ? 'thumbnail' : 'lossless';
  const fine = signals.fineQuantBranch === 1;
  if (signals.fullChromaBranch === 1) return fine ? 'jpeg444Fine' : 'jpeg444';
  if (signals.halfChromaBranch === 1) return fine ? 'jpeg422Fine' : 'jpeg422';
  return fine ? 'jpegFine' : 'jpeg';
}
