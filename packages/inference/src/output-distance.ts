import type { ModelOutput } from './onnx-model.ts';
import { boxIoU, type Detection } from './yolo-output.ts';

/** Boxes of the same class overlapping at least this much are the same object (the PASCAL VOC rule). */
const SAME_OBJECT_IOU = 0.5;

/**
 * How much two detection sets disagree, in [0, 1]: 1 - 2 * sum(IoU of matched pairs) / (|a| + |b|),
 * pairs matched greedily by IoU within a class. 0 when both find the same boxes (or nothing);
 * 1 when no box of one has a counterpart in the other.
 */
export function detectionDisagreement(a: readonly Detection[], b: readonly Detection[]): number {
  if (a.length + b.length === 0) return 0;
  const pairs: { i: number; j: number; iou: number }[] = [];
  a.forEach((x, i) => {
    b.forEach((y, j) => {
      if (x.index !== y.index) return;
      const iou = boxIoU(x.box, y.box);
      if (iou >= SAME_OBJECT_IOU) pairs.push({ i, j, iou });
    });
  });
  pairs.sort((p, q) => q.iou - p.iou);
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  let agreement = 0;
  for (const { i, j, iou } of pairs) {
    if (usedA.has(i) || usedB.has(j)) continue;
    usedA.add(i);
    usedB.add(j);
    agreement += iou;
  }
  return 1 - (2 * agreement) / (a.length + b.length);
}

/** How far a squeezed copy's output moved: L1 between probability vectors, or detection disagreement. */
export function outputDistance(original: ModelOutput, squeezed: ModelOutput): number {
  if (original.kind === 'classification' && squeezed.kind === 'classification') {
    let distance = 0;
    for (let i = 0; i < original.probabilities.length; i++)
      distance += Math.abs((original.probabilities[i] as number) - (squeezed.probabilities[i] as number));
    return distance;
  }
  if (original.kind === 'detection' && squeezed.kind === 'detection')
    return detectionDisagreement(original.detections, squeezed.detections);
  throw new Error('outputs of different kinds cannot be compared');
}
