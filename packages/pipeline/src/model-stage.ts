import type { DetectorReading, RgbImage, VerdictRecord } from '@advscreen/contracts';

/** What the model-aware stage says about one image the detector passed. */
export interface ModelVerdict {
  prediction: { label: string; probability: number } | null;
  /** Detection models only. */
  detections?: VerdictRecord['detections'];
  consistency: number | null;
  /** How far the answer moved on the translated copy, when the joint rule read it. */
  translatedDistance: number | null;
  failure: { layer: 'consistency' | 'sanity'; reason: string } | null;
}

/** What a detector (`<id>@<version>`) said of an image it passed, for the model stage. */
export function detectorReading(
  detector: string,
  scored: { score: number | null; signals?: VerdictRecord['signals'] },
): DetectorReading {
  // The joint rule's JPEG input is a model input on the JPEG's own 8x8 blocks, which its JPEG
  // squeezer moves less. A JPEG thumbnail reaches the model upscaled, off its blocks, even when
  // the detector scored it by a JPEG model on its own pixels.
  const jpegInput = scored.signals?.jpegBranch === 1 && scored.signals.thumbnail !== 1;
  return { detector, score: scored.score ?? 0, jpegInput };
}

/** The main model and its checks, behind one call (batched by the caller's implementation). */
export interface ModelStage {
  inputSize: number;
  /** `detector`: what the detector made of the image it passed (the joint rule uses it). */
  inspect(image: RgbImage, detector: DetectorReading): Promise<ModelVerdict>;
}

/**
 * The cascade's second routing rule: an image the detector passed is adversarial when a
 * model-aware check fails; the record says which layer decided.
 */
export function applyModelVerdict(record: VerdictRecord, verdict: ModelVerdict): VerdictRecord {
  const base = {
    ...record,
    prediction: verdict.prediction,
    ...(verdict.detections ? { detections: verdict.detections } : {}),
    consistency: verdict.consistency,
    translatedDistance: verdict.translatedDistance,
  };
  if (!verdict.failure) return { ...base, layer: null };
  return { ...base, verdict: 'adversarial', layer: verdict.failure.layer, detail: verdict.failure.reason };
}
