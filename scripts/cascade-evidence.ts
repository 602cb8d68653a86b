// What bench:cascade and fit-joint-rule both need from labelled corpora: per image, what each
// cascade layer sees (the detector's verdict and score, the consistency distance, the model's
// confidence), and the detector's out-of-fold scores, from the shipped recipe retrained with
// each source photo's fold left out.
import type { AdvscreenConfig } from '@advscreen/config';
import type { CorpusManifestLine } from '@advscreen/contracts';
import {
  assignFolds,
  createResidualScorer,
  type DetectorModelFile,
  type TrainingExample,
  trainDetector,
} from '@advscreen/detection';
import {
  decisionMargin,
  type InspectionSettings,
  inspectImages,
  type JointEvidence,
  type JointExample,
  type Model,
  type Squeezer,
  type TranslatedEvidence,
} from '@advscreen/inference';
import { buildTrainingExamples, detectorReading, screenObject } from '@advscreen/pipeline';
import type { LoadedManifests } from './corpus-files.ts';

export const FOLDS = 5;

export interface CascadeRow {
  line: CorpusManifestLine;
  /** From a `--train-only` manifest: fitted on, left out of the tables. */
  trainOnly: boolean;
  /** The shipped detector's score (in-sample on a corpus it was trained on). */
  detectorScore: number;
  /** The detector read it with its JPEG model. */
  jpegInput: boolean;
  consistency: number;
  /** Top-class probability, for the confidence bound and the joint rule. */
  probability: number;
  /** log p1 - log p2, for the decision-margin bound. */
  margin: number;
  /** The top class's lead lost in the squeezed copy, for the joint rule. */
  marginDrop: number;
  /** How far the answer moves on the translated copy (always run: the joint rule is refitted here). */
  translated: TranslatedEvidence | null;
  /** A sanity failure that no calibration moves (non-finite output, probabilities off one). */
  structuralFailure: boolean;
}

export interface FoldedCascadeRow extends CascadeRow {
  /** The detector's score from a model that never saw this image's source photo. */
  detectorOutOfFold: number;
}

export async function collectCascadeRows(
  manifests: LoadedManifests,
  detectorModel: DetectorModelFile,
  model: Model,
  squeezers: Squeezer[],
  config: AdvscreenConfig,
): Promise<CascadeRow[]> {
  const scorer = createResidualScorer(detectorModel);
  // Distances and confidences only: every decision is taken by the caller.
  const settings: InspectionSettings = {
    consistency: { squeezers, threshold: Number.POSITIVE_INFINITY },
    confidenceBound: null,
    translatedCopy: true,
  };
  const rows: CascadeRow[] = [];
  for (const { manifest, store, trainOnly } of manifests) {
    for (const line of manifest.lines) {
      const { record, analysis } = await screenObject({ store, scorer, limits: config.decode }, line.path);
      if (!analysis || record.score === null) throw new Error(`${line.path} was rejected`);
      const [inspection] = await inspectImages(model, [analysis], settings);
      if (!inspection) throw new Error('no inspection');
      const reading = detectorReading(record.detector, record);
      rows.push({
        line,
        trainOnly,
        detectorScore: reading.score,
        jpegInput: reading.jpegInput,
        consistency: inspection.consistency ?? 0,
        probability: inspection.prediction?.probability ?? 0,
        margin: decisionMargin(inspection.output) ?? Number.POSITIVE_INFINITY,
        marginDrop: inspection.marginDrop ?? 0,
        translated: inspection.translated,
        structuralFailure: inspection.failure?.layer === 'sanity',
      });
    }
  }
  return rows;
}

/** The rows (from these manifests, in their order) with the shipped detector's recipe (its re-encoding qualities) retrained and scored out of fold. */
export async function scoreOutOfFold(
  rows: readonly CascadeRow[],
  manifests: LoadedManifests,
  detectorModel: DetectorModelFile,
  config: AdvscreenConfig,
): Promise<FoldedCascadeRow[]> {
  const examples: TrainingExample[] = [];
  for (const { manifest, store } of manifests) {
    examples.push(
      ...(await buildTrainingExamples(manifest, store, config.decode, {
        reencodeQualities: detectorModel.trainedOn.jpegReencodings.qualities,
      })),
    );
  }
  const training = trainDetector(examples, {
    l2: 0.01,
    folds: FOLDS,
    targetFpr: detectorModel.targetFpr,
    balanceAttacks: detectorModel.trainedOn.balanceAttacks ?? false,
    ...(detectorModel.trainedOn.stripesShare ? { stripesShare: detectorModel.trainedOn.stripesShare } : {}),
  });
  const outOfFold = training.outOfFold.filter((_, i) => examples[i]?.reencodedQuality === null);
  return rows.map((row, i) => ({ ...row, detectorOutOfFold: outOfFold[i] as number }));
}

/** What the joint rule sees of a row, given the detector score of the operating point in use. */
export const jointEvidenceOf = (row: CascadeRow, detectorScore: number): JointEvidence => ({
  detectorScore,
  jpegInput: row.jpegInput,
  consistency: row.consistency,
  topProbability: row.probability,
  marginDrop: row.marginDrop,
  translated: row.translated,
});

/** A row as the joint rule learns from it, with the detector's out-of-fold score. */
export function jointExampleOf(row: FoldedCascadeRow, detectorThreshold: number): JointExample {
  return {
    ...jointEvidenceOf(row, row.detectorOutOfFold),
    adversarial: row.line.kind === 'adv',
    detectorFlagged: row.detectorOutOfFold > detectorThreshold,
    group: row.line.source_photo,
  };
}

/** Clean images and successful attacks: what the joint rule is fitted on. */
export const countsForJointRule = (row: CascadeRow) => row.line.kind === 'clean' || row.line.success === true;

/** Which fold each row's source photo falls in, as trainDetector deals them. */
export function foldsOf(rows: readonly CascadeRow[]): (row: CascadeRow) => number {
  const foldOf = assignFolds(
    rows.map((row) => row.line.source_photo),
    FOLDS,
  );
  return (row) => foldOf.get(row.line.source_photo) as number;
}
