/** One detected object; the box is x1, y1, x2, y2 as fractions of the image, clipped to it. */
export interface Detection {
  label: string;
  index: number;
  score: number;
  box: [number, number, number, number];
}

export interface DetectionOutput {
  kind: 'detection';
  detections: Detection[];
  /** The raw output held NaN or Infinity somewhere. */
  nonFinite: boolean;
  /** Kept boxes with less than half their area inside the image (before clipping). */
  outsideImage: number;
  /** Kept boxes less than one input pixel wide or high, or inverted. */
  degenerate: number;
}

export interface YoloDecodeSettings {
  /** The model's input side in pixels; boxes come out in those pixels. */
  inputSize: number;
  labels: readonly string[];
  scoreThreshold: number;
  iouThreshold: number;
  maxDetections: number;
}

type Box = [number, number, number, number];

function intersectionArea(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

export function boxIoU(a: Box, b: Box): number {
  const inter = intersectionArea(a, b);
  if (inter === 0) return 0;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy per-class non-maximum suppression, highest score first (as Ultralytics does by default). */
export function nonMaxSuppression<T extends { index: number; score: number; box: Box }>(
  candidates: readonly T[],
  iouThreshold: number,
  maxDetections: number,
): T[] {
  const sorted = [...candidates].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const candidate of sorted) {
    if (kept.length >= maxDetections) break;
    const suppressed = kept.some(
      (k) => k.index === candidate.index && boxIoU(k.box, candidate.box) > iouThreshold,
    );
    if (!suppressed) kept.push(candidate);
  }
  return kept;
}

/**
 * Decodes one image's slice of a YOLOv8 export, `(4 + classes) x anchors` row-major: rows cx,
 * cy, w, h in input pixels, then one score per class (already sigmoid). Each anchor proposes
 * its best class; proposals at or above the score threshold go through NMS.
 */
export function decodeYoloV8(values: Float32Array, settings: YoloDecodeSettings): DetectionOutput {
  const classes = settings.labels.length;
  const anchors = values.length / (4 + classes);
  if (!Number.isInteger(anchors)) {
    throw new Error(
      `a YOLOv8 output for ${classes} classes has 4+${classes} rows; got ${values.length} values`,
    );
  }
  let nonFinite = false;
  const candidates: { index: number; score: number; box: Box }[] = [];
  for (let n = 0; n < anchors; n++) {
    let index = 0;
    let score = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < classes; c++) {
      const value = values[(4 + c) * anchors + n] as number;
      if (!Number.isFinite(value)) nonFinite = true;
      if (value > score) {
        score = value;
        index = c;
      }
    }
    const [cx, cy, w, h] = [0, 1, 2, 3].map((row) => values[row * anchors + n] as number) as Box;
    if (![cx, cy, w, h].every(Number.isFinite)) {
      nonFinite = true;
      continue;
    }
    if (score < settings.scoreThreshold) continue;
    candidates.push({ index, score, box: [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2] });
  }
  const kept = nonMaxSuppression(candidates, settings.iouThreshold, settings.maxDetections);
  const side = settings.inputSize;
  const image: Box = [0, 0, side, side];
  let outsideImage = 0;
  let degenerate = 0;
  const detections = kept.map(({ index, score, box }): Detection => {
    const width = box[2] - box[0];
    const height = box[3] - box[1];
    if (!(width >= 1 && height >= 1)) degenerate++;
    else if (intersectionArea(box, image) < 0.5 * width * height) outsideImage++;
    const clip = (v: number) => Math.min(1, Math.max(0, v / side));
    return {
      label: settings.labels[index] as string,
      index,
      score,
      box: [clip(box[0]), clip(box[1]), clip(box[2]), clip(box[3])],
    };
  });
  return { kind: 'detection', detections, nonFinite, outsideImage, degenerate };
}
