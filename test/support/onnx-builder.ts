/**
 * Small ONNX models for tests, so the detection path is exercised with a real onnxruntime
 * session without shipping a pretrained detector.
 */
import { ELEMENT_TYPE, encodeOnnxModel } from '@advscreen/onnx-graph';

export const TOY_DETECTOR_LABELS = ['red', 'green'];

/**
 * A toy detector in the YOLOv8 export layout, output 1x(4+2)xN: the image is cut into
 * `grid`x`grid` cells, each cell is one candidate box of side `boxSide` pixels centred on
 * the cell, and its class scores are sigmoid(gain * (channel - mean of the other two) - gain / 4) on the
 * cell's average colour (input scaled to [0, 1]), less a bias. Side by side candidates overlap by
 * IoU 0.5 when `boxSide` is three cells, so a blob spanning two cells exercises NMS.
 * `boxOffset` shifts every box centre (to make boxes fall outside the image).
 */
export function buildToyDetector(options: {
  size: number;
  grid: number;
  boxSide: number;
  boxOffset?: number;
  gain?: number;
}): Uint8Array {
  const { size, grid, boxSide } = options;
  const cell = size / grid;
  const gain = options.gain ?? 12;
  const anchors = grid * grid;
  const boxes = new Float32Array(4 * anchors);
  for (let row = 0; row < grid; row++) {
    for (let col = 0; col < grid; col++) {
      const n = row * grid + col;
      boxes[n] = (col + 0.5) * cell + (options.boxOffset ?? 0);
      boxes[anchors + n] = (row + 0.5) * cell + (options.boxOffset ?? 0);
      boxes[2 * anchors + n] = boxSide;
      boxes[3 * anchors + n] = boxSide;
    }
  }
  // Class c's logit: gain * (x_c - (x_other1 + x_other2) / 2) - gain / 4, so grey cells score 0.05.
  const classWeights = new Float32Array([gain, -gain / 2, -gain / 2, -gain / 2, gain, -gain / 2]);
  const classBias = new Float32Array([-gain / 4, -gain / 4]);
  return encodeOnnxModel({
    inputs: [{ name: 'images', elementType: ELEMENT_TYPE.float, shape: ['batch', 3, size, size] }],
    outputs: [{ name: 'output0', elementType: ELEMENT_TYPE.float, shape: ['batch', 6, anchors] }],
    initializers: [
      { name: 'class_weights', dims: [2, 3, 1, 1], values: classWeights },
      { name: 'class_bias', dims: [2], values: classBias },
      { name: 'anchor_boxes', dims: [1, 4, anchors], values: boxes },
      { name: 'score_shape', dims: [3], values: BigInt64Array.from([0n, 2n, BigInt(anchors)]) },
    ],
    nodes: [
      {
        op: 'AveragePool',
        inputs: ['images'],
        outputs: ['cells'],
        attributes: { kernel_shape: [cell, cell], strides: [cell, cell] },
      },
      { op: 'Conv', inputs: ['cells', 'class_weights', 'class_bias'], outputs: ['class_logits'] },
      { op: 'Sigmoid', inputs: ['class_logits'], outputs: ['class_scores_grid'] },
      { op: 'Reshape', inputs: ['class_scores_grid', 'score_shape'], outputs: ['class_scores'] },
      // The batch's boxes: the constant anchors, broadcast to the batch by adding 0 * scores.
      {
        op: 'ReduceMean',
        inputs: ['class_scores'],
        outputs: ['score_sum'],
        attributes: { axes: [1, 2], keepdims: 1 },
      },
      { op: 'Sub', inputs: ['score_sum', 'score_sum'], outputs: ['zero'] },
      { op: 'Add', inputs: ['anchor_boxes', 'zero'], outputs: ['batch_boxes'] },
      {
        op: 'Concat',
        inputs: ['batch_boxes', 'class_scores'],
        outputs: ['output0'],
        attributes: { axis: 1 },
      },
    ],
  });
}
