/**
 * Builds small ONNX models for tests, so the detection path is exercised with a real
 * onnxruntime session without shipping a pretrained detector. Only the protobuf fields the
 * models below need are written (field numbers from onnx/onnx.proto3).
 */

type Field = Uint8Array;

function varint(value: number | bigint): number[] {
  let v = BigInt(value);
  if (v < 0n) v += 1n << 64n;
  const bytes: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    bytes.push(byte);
  } while (v > 0n);
  return bytes;
}

const concat = (parts: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

const intField = (field: number, value: number | bigint): Field =>
  Uint8Array.from([...varint(field << 3), ...varint(value)]);
const bytesField = (field: number, value: Uint8Array): Field =>
  concat([Uint8Array.from([...varint((field << 3) | 2), ...varint(value.length)]), value]);
const stringField = (field: number, value: string): Field =>
  bytesField(field, new TextEncoder().encode(value));
const message = (field: number, parts: readonly Field[]): Field => bytesField(field, concat(parts));

const FLOAT = 1;
const INT64 = 7;
const ATTRIBUTE_INT = 2;
const ATTRIBUTE_INTS = 7;

export interface Initializer {
  name: string;
  dims: number[];
  values: Float32Array | BigInt64Array;
}

export interface GraphNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes?: Record<string, number | number[]>;
}

function tensor(field: number, t: Initializer): Field {
  const raw = new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength);
  return message(field, [
    ...t.dims.map((d) => intField(1, d)),
    intField(2, t.values instanceof Float32Array ? FLOAT : INT64),
    stringField(8, t.name),
    bytesField(9, raw),
  ]);
}

function attribute(name: string, value: number | number[]): Field {
  return message(
    5,
    Array.isArray(value)
      ? [stringField(1, name), ...value.map((v) => intField(8, v)), intField(20, ATTRIBUTE_INTS)]
      : [stringField(1, name), intField(3, value), intField(20, ATTRIBUTE_INT)],
  );
}

/** A float tensor's name and shape; a string dimension is symbolic (e.g. the batch). */
function valueInfo(field: number, name: string, shape: (number | string)[]): Field {
  const dims = shape.map((d) => message(1, [typeof d === 'number' ? intField(1, d) : stringField(2, d)]));
  const tensorType = message(1, [intField(1, FLOAT), message(2, dims)]);
  return message(field, [stringField(1, name), message(2, [tensorType])]);
}

export function encodeOnnxModel(graph: {
  nodes: GraphNode[];
  initializers: Initializer[];
  input: { name: string; shape: (number | string)[] };
  output: { name: string; shape: (number | string)[] };
}): Uint8Array {
  const nodes = graph.nodes.map((node, i) =>
    message(1, [
      ...node.inputs.map((name) => stringField(1, name)),
      ...node.outputs.map((name) => stringField(2, name)),
      stringField(3, `node${i}`),
      stringField(4, node.op),
      ...Object.entries(node.attributes ?? {}).map(([name, value]) => attribute(name, value)),
    ]),
  );
  const graphProto = message(7, [
    ...nodes,
    stringField(2, 'test-graph'),
    ...graph.initializers.map((t) => tensor(5, t)),
    valueInfo(11, graph.input.name, graph.input.shape),
    valueInfo(12, graph.output.name, graph.output.shape),
  ]);
  return concat([
    intField(1, 8), // ir_version
    stringField(2, 'advscreen-tests'),
    graphProto,
    message(8, [stringField(1, ''), intField(2, 13)]), // opset 13
  ]);
}

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
    input: { name: 'images', shape: ['batch', 3, size, size] },
    output: { name: 'output0', shape: ['batch', 6, anchors] },
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
