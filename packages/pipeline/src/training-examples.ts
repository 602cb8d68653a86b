import type { CorpusManifestLine, RgbImage } from '@advscreen/contracts';
import {
  type Branch,
  type Head,
  inputFeatures,
  scoredView,
  type TrainingExample,
} from '@advscreen/detection';
import {
  type DecodedImage,
  type DecodeLimits,
  decodeImage,
  encodeLossy,
  type JpegEncodeChroma,
  type LossyFormat,
} from '@advscreen/imaging';
import type { ObjectStore } from '@advscreen/storage';
import type { CorpusManifest } from './corpus-manifest.ts';

export interface TrainingExampleOptions {
  /** JPEG qualities each lossless file is also re-encoded at, for the JPEG branch. */
  reencodeQualities: readonly number[];
  /**
   * Chroma subsampling of those re-encodings (default 4:2:0 only); 4:4:4 and 4:2:2 ones train
   * the detector's models for JPEGs stored so (4:2:2 is written by libjpeg-turbo's cjpeg).
   */
  reencodeChroma?: readonly JpegEncodeChroma[];
  /** Lossy WebP qualities each lossless file is also written at, for the WebP branch (default none). */
  webpQualities?: readonly number[];
  /** AVIF qualities each lossless file is also written at, for the AVIF branch (default none). */
  avifQualities?: readonly number[];
  /** libaom effort for those (0-9; default AVIF_TRAINING_EFFORT). */
  avifEffort?: number;
  /**
   * Whether a re-encoded adversarial file still fools the victim model; without it, success is
   * inherited from the lossless file (re-encoding can undo an attack).
   */
  reencodedSuccess?: (line: CorpusManifestLine, image: RgbImage) => Promise<boolean>;
  /** Train on this manifest's files but leave them out of the reported tables. */
  trainOnly?: boolean;
}

/**
 * libaom effort of AVIF training files: 2 writes a 224 px file in about 60 ms here, sharp's
 * default 4 in about 0.8 s (about 2 hours for the recipe's files); the AVIF model is judged on
 * effort-4 files (docs/detection.md).
 */
export const AVIF_TRAINING_EFFORT = 2;

/**
 * An input's branch and features as the scorer computes them for a detector with every model
 * (scoredView): a thumbnail's on its own pixels, other inputs' on the analysis image.
 */
function scoredFeatures(decoded: DecodedImage): {
  branch: Branch;
  features: Record<Head, number[]>;
  ownPixels: boolean;
} {
  const { image, origin, branch } = scoredView(decoded.analysis, decoded, () => true);
  return { branch, features: inputFeatures(image, origin, branch).heads, ownPixels: origin.ownPixels };
}

/**
 * Decodes every manifest file through the worker's decoder and computes its branch's features;
 * real traffic is JPEG (and lossy WebP or AVIF) at any quality, so lossless files are also re-encoded.
 */
export async function buildTrainingExamples(
  manifest: CorpusManifest,
  store: ObjectStore,
  limits: DecodeLimits,
  options: TrainingExampleOptions,
): Promise<TrainingExample[]> {
  const examples: TrainingExample[] = [];
  // How every lossless file on its own pixels is also written, for the lossy branches' models.
  const reencodings: { format: LossyFormat; quality: number; chroma?: JpegEncodeChroma }[] = [
    ...(options.reencodeChroma ?? ['4:2:0']).flatMap((chroma) =>
      options.reencodeQualities.map((quality) => ({ format: 'jpeg' as const, quality, chroma })),
    ),
    ...(options.webpQualities ?? []).map((quality) => ({ format: 'webp' as const, quality })),
    ...(options.avifQualities ?? []).map((quality) => ({ format: 'avif' as const, quality })),
  ];
  const avifEffort = options.avifEffort ?? AVIF_TRAINING_EFFORT;
  for (const line of manifest.lines) {
    const bytes = await store.read(line.path, limits.maxBytes);
    const decoded = await decodeImage(bytes, limits);
    const { branch, features, ownPixels } = scoredFeatures(decoded);
    const labels = {
      trainOnly: options.trainOnly ?? false,
      adversarial: line.kind === 'adv',
      group: line.source_photo,
      attack: line.attack,
      eps: line.eps,
      success: line.success,
    };
    examples.push({
      ...labels,
      features,
      branch,
      format: line.format,
      reencodedQuality: null,
      ownPixels,
    });
    // Only files analysed on their own pixels: a re-encoded JPEG of another size would not be
    // scored by the JPEG model. A grey file's re-encodings stay grey, for the grey model.
    if ((branch !== 'lossless' && branch !== 'grey') || !ownPixels) continue;
    for (const { format, quality, chroma } of reencodings) {
      const encoded = await encodeLossy(bytes, format, { quality, chroma, avifEffort });
      const reencoded = await decodeImage(encoded, limits);
      const success =
        labels.adversarial && options.reencodedSuccess
          ? await options.reencodedSuccess(line, reencoded.analysis)
          : labels.success;
      const scored = scoredFeatures(reencoded);
      examples.push({
        ...labels,
        success,
        features: scored.features,
        branch: scored.branch,
        format,
        reencodedQuality: quality,
        ownPixels: scored.ownPixels,
      });
    }
  }
  return examples;
}
