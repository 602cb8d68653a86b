import { readFileSync } from 'node:fs';
import { InvalidInputFileError } from '@advscreen/contracts';
import { z } from 'zod';
import {
  type Branch,
  headFeatureCounts,
  JPEG_CHROMAS,
  JPEG_DENSE_FEATURES,
  JPEG_QUANT_FEATURE,
  JPEG_STRIPES_FEATURES,
} from './features/branch.ts';
import { RESIDUAL_FEATURES_ID } from './features/residual-features.ts';
import { STRIPE_FEATURES_ID } from './features/stripe-features.ts';

/**
 * Dense head: residual features; stripes head: stripe features; the JPEG branch's dense head
 * merges chroma directions and adds its quantisation and DCT features, its stripes head the
 * quantisation and luminance stripes.
 */
const featuresId = (jpegStripes: string) =>
  `dense:${RESIDUAL_FEATURES_ID}|stripes:${STRIPE_FEATURES_ID}|jpeg-dense:${JPEG_DENSE_FEATURES}|jpeg-stripes:${jpegStripes}`;
export const DETECTOR_FEATURES_ID = featuresId(JPEG_STRIPES_FEATURES);
/**
 * Detectors up to v9: the same features but for the JPEG stripes head, which none of them had,
 * so they score exactly as they did.
 */
const DETECTOR_FEATURES_ID_V9 = featuresId(`+${JPEG_QUANT_FEATURE}`);

const LinearModelSchema = z.object({
  mean: z.array(z.number()),
  scale: z.array(z.number()),
  weights: z.array(z.number()),
  bias: z.number(),
});

const headSchema = (features: number) =>
  z.object({
    model: LinearModelSchema.refine((model) => model.weights.length === features, {
      message: `this head's model must have ${features} weights`,
    }),
    /** Subtracted from the head's logit so that 0 is its share of the operating point at `targetFpr`. */
    offset: z.number(),
    examples: z.number().int(),
    clean: z.number().int(),
  });

/** Dense head on residual features, optional stripes head. */
const branchSchema = (branch: Branch) =>
  z.object({
    dense: headSchema(headFeatureCounts(branch).dense),
    stripes: headSchema(headFeatureCounts(branch).stripes).optional(),
  });

/** A trained detector as `advscreen train-detector` writes it. */
export const DetectorModelFile = z
  .object({
    format: z.literal('advscreen-detector'),
    id: z.string().min(1),
    version: z.string().min(1),
    features: z.enum([DETECTOR_FEATURES_ID, DETECTOR_FEATURES_ID_V9]),
    analysisSize: z.number().int().positive(),
    branches: z.object({
      jpeg: branchSchema('jpeg'),
      lossless: branchSchema('lossless'),
      /** Inputs resized for analysis; absent (detectors before v7): the lossless model scores them. */
      resized: branchSchema('resized').optional(),
      /** JPEGs with full-resolution chroma; absent (detectors before v11): the JPEG model scores them. */
      jpeg444: branchSchema('jpeg444').optional(),
      /** Finely quantised JPEGs (quality above 95), 4:2:0 and 4:4:4; absent (before v12): the JPEG or 4:4:4 model. */
      jpegFine: branchSchema('jpegFine').optional(),
      jpeg444Fine: branchSchema('jpeg444Fine').optional(),
      /** JPEGs with chroma halved across only (4:2:2), coarse and fine; absent (before v13): the JPEG model. */
      jpeg422: branchSchema('jpeg422').optional(),
      jpeg422Fine: branchSchema('jpeg422Fine').optional(),
      /** Lossy WebP on its own pixels; absent (before v14): the lossless model. */
      webp: branchSchema('webp').optional(),
      /** AVIF on its own pixels; absent (before v15): the lossless model. */
      avif: branchSchema('avif').optional(),
      /** Palette images (GIF, palette PNG) on their own pixels; absent (before v16): the lossless model. */
      palette: branchSchema('palette').optional(),
      /** Grey images, at any size; absent (before v18): the lossless or resized model. */
      grey: branchSchema('grey').optional(),
      /**
       * The lossless models at an operating point set on clean resized files: the resized
       * branch's second opinion (SECOND_OPINION); absent (before v17): none.
       */
      resizedLossless: branchSchema('resizedLossless').optional(),
      /**
       * The luminance model: scores the luma of the LUMA_OPINION branches' colour inputs, flagging
       * at its own point; absent (before v19): none.
       */
      luma: branchSchema('luma').optional(),
      /** Graphics stored losslessly (screenshots, diagrams, icons), at any size; absent (before v20): their format's model. */
      graphics: branchSchema('graphics').optional(),
      /**
       * Lossless colour thumbnails (smaller than the analysis size) on their own pixels; absent
       * (before v21): thumbnails are scored upscaled, as files resized for analysis.
       */
      thumbnail: branchSchema('thumbnail').optional(),
    }),
    /** Default threshold on the offset score: 0, the out-of-fold `targetFpr` point of each branch (heads share it). */
    threshold: z.number(),
    targetFpr: z.number().positive().lt(1),
    trainedOn: z.object({
      manifest: z.string(),
      examples: z.number(),
      clean: z.number(),
      groups: z.number(),
      /** Lossless files re-encoded as JPEG for the JPEG branch. */
      jpegReencodings: z.object({
        qualities: z.array(z.number()),
        /** Chroma subsampling of the re-encodings (absent: 4:2:0 only, detectors before v11). */
        chroma: z.array(z.enum(JPEG_CHROMAS)).optional(),
        examples: z.number(),
      }),
      /** Lossless files re-encoded as lossy WebP for the WebP branch (absent: none, detectors before v14). */
      webpReencodings: z.object({ qualities: z.array(z.number()), examples: z.number() }).optional(),
      /** Lossless files re-encoded as AVIF, at one libaom effort, for the AVIF branch (absent: none, before v15). */
      avifReencodings: z
        .object({ qualities: z.array(z.number()), effort: z.number(), examples: z.number() })
        .optional(),
      /** Every attack type weighed the same within the adversarial class (absent: every example the same). */
      balanceAttacks: z.boolean().optional(),
      /** The stripes heads' share of their branch's budget (absent: half). */
      stripesShare: z.number().gt(0).lt(1).optional(),
      /**
       * The palette branch, when it is the lossless models at an operating point of its own: the
       * clean palette images that set it (scripts/palette-operating-point.ts; absent: none, before v16).
       */
      paletteOperatingPoint: z.object({ manifests: z.array(z.string()), clean: z.number() }).optional(),
      /**
       * The resizedLossless branch: the clean resized files that set it and the share of them it
       * may flag (scripts/resized-second-opinion.ts; absent: none, before v17).
       */
      resizedSecondOpinion: z
        .object({ photos: z.array(z.string()), clean: z.number(), share: z.number() })
        .optional(),
    }),
    createdAt: z.string(),
  })
  .refine((model) => model.features === DETECTOR_FEATURES_ID || !model.branches.jpeg.stripes, {
    message: 'a JPEG stripes head needs the current features (luminance stripes); retrain the detector',
    path: ['branches', 'jpeg', 'stripes'],
  });
export type DetectorModelFile = z.infer<typeof DetectorModelFile>;

/** An operating point fitted on a user's own clean images by `advscreen calibrate`. */
export const CalibrationFile = z.object({
  format: z.literal('advscreen-calibration'),
  /** `<id>@<version>` of the detector the threshold belongs to. */
  detector: z.string(),
  threshold: z.number(),
  targetFpr: z.number().positive().lt(1),
  /** False-positive rate measured on the held-out part of the sample, with a 95% Wilson interval. */
  expectedFpr: z.object({
    estimate: z.number(),
    low: z.number(),
    high: z.number(),
    heldOut: z.number().int(),
  }),
  sample: z.object({
    location: z.string(),
    images: z.number().int(),
    fitted: z.number().int(),
    rejected: z.number().int(),
  }),
  createdAt: z.string(),
});
export type CalibrationFile = z.infer<typeof CalibrationFile>;

export const BUNDLED_DETECTOR_PATH = new URL('../models/residual-cooccurrence-v23.json', import.meta.url);

/** Reads `path` as JSON and checks it against `schema`; `what` names the kind of file in errors. */
export function readJsonFileAs<T>(schema: z.ZodType<T>, path: string | URL, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InvalidInputFileError(`cannot read ${what} ${String(path)}: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new InvalidInputFileError(`${String(path)} is not a valid ${what}: ${problems}`);
  }
  return parsed.data;
}

export function loadDetectorModel(path: string | URL = BUNDLED_DETECTOR_PATH): DetectorModelFile {
  return readJsonFileAs(DetectorModelFile, path, 'detector model');
}

export function loadCalibration(path: string | URL): CalibrationFile {
  return readJsonFileAs(CalibrationFile, path, 'calibration file');
}
