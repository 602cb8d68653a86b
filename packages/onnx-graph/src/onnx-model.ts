import {
  bytesField,
  concat,
  floatField,
  intField,
  message,
  readFields,
  readInts,
  stringField,
  text,
  type WireField,
} from './protobuf.ts';

/** Field numbers from onnx/onnx.proto3. */
const MODEL = { graph: 7, opsetImport: 8 } as const;
const GRAPH = { node: 1, name: 2, initializer: 5, input: 11, output: 12 } as const;
const NODE = { input: 1, output: 2, name: 3, opType: 4, attribute: 5 } as const;
const ATTRIBUTE = { name: 1, f: 2, i: 3, s: 4, floats: 7, ints: 8, type: 20 } as const;
const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, floats: 6, ints: 7 } as const;
const TENSOR = { dims: 1, dataType: 2, name: 8, rawData: 9 } as const;

export const ELEMENT_TYPE = { float: 1, int64: 7, bool: 9 } as const;

/** Attribute values read from a file; tensors and graphs are not kept. */
export type AttributeValue = number | number[] | string;

export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, AttributeValue>;
}

/** A graph input or output: name, element type and shape (a string is a symbolic dimension). */
export interface ValueInfo {
  name: string;
  elementType: number;
  shape: (number | string)[] | undefined;
}

export interface ParsedOnnxModel {
  nodes: OnnxNode[];
  initializers: { name: string; dims: number[] }[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

function graphFieldOf(model: Uint8Array): WireField {
  const graph = readFields(model).find((f) => f.field === MODEL.graph);
  if (!graph) throw new Error('not an ONNX model: no graph');
  return graph;
}

function parseAttribute(bytes: Uint8Array): [string, AttributeValue] {
  const fields = readFields(bytes);
  const name = text(fields.find((f) => f.field === ATTRIBUTE.name)?.value ?? new Uint8Array());
  const type = Number(fields.find((f) => f.field === ATTRIBUTE.type)?.value ?? 0);
  const one = (field: number) => fields.find((f) => f.field === field)?.value;
  if (type === ATTRIBUTE_TYPE.ints || (!type && one(ATTRIBUTE.ints) !== undefined))
    return [name, readInts(fields, ATTRIBUTE.ints)];
  if (type === ATTRIBUTE_TYPE.int || (!type && one(ATTRIBUTE.i) !== undefined))
    return [name, Number(BigInt.asIntN(64, (one(ATTRIBUTE.i) as bigint | undefined) ?? 0n))];
  if (type === ATTRIBUTE_TYPE.float || (!type && one(ATTRIBUTE.f) !== undefined))
    return [name, (one(ATTRIBUTE.f) as number | undefined) ?? 0];
  if (type === ATTRIBUTE_TYPE.string) return [name, text(one(ATTRIBUTE.s) ?? new Uint8Array())];
  if (type === ATTRIBUTE_TYPE.floats)
    return [name, fields.filter((f) => f.field === ATTRIBUTE.floats).map((f) => f.value as number)];
  return [name, []];
}

function parseValueInfo(bytes: Uint8Array): ValueInfo {
  const fields = readFields(bytes);
  const name = text(fields.find((f) => f.field === 1)?.value ?? new Uint8Array());
  const type = fields.find((f) => f.field === 2)?.value as Uint8Array | undefined;
  const tensorType = type && (readFields(type).find((f) => f.field === 1)?.value as Uint8Array | undefined);
  if (!tensorType) return { name, elementType: 0, shape: undefined };
  const tensorFields = readFields(tensorType);
  const elementType = Number(tensorFields.find((f) => f.field === 1)?.value ?? 0);
  const shapeBytes = tensorFields.find((f) => f.field === 2)?.value as Uint8Array | undefined;
  const shape = shapeBytes
    ? readFields(shapeBytes)
        .filter((f) => f.field === 1)
        .map((dim) => {
          const d = readFields(dim.value as Uint8Array)[0];
          if (d?.field === 1) return Number(d.value as bigint);
          return d?.field === 2 ? text(d.value) : '?';
        })
    : undefined;
  return { name, elementType, shape };
}

/** The parts of an ONNX model that graph transformations need (weights stay in the bytes). */
export function parseOnnxModel(model: Uint8Array): ParsedOnnxModel {
  const graph = readFields(graphFieldOf(model).value as Uint8Array);
  const nodes = graph
    .filter((f) => f.field === GRAPH.node)
    .map((f): OnnxNode => {
      const fields = readFields(f.value as Uint8Array);
      const strings = (field: number) => fields.filter((x) => x.field === field).map((x) => text(x.value));
      return {
        op: strings(NODE.opType)[0] ?? '',
        inputs: strings(NODE.input),
        outputs: strings(NODE.output),
        attributes: Object.fromEntries(
          fields.filter((x) => x.field === NODE.attribute).map((x) => parseAttribute(x.value as Uint8Array)),
        ),
      };
    });
  const initializers = graph
    .filter((f) => f.field === GRAPH.initializer)
    .map((f) => {
      const fields = readFields(f.value as Uint8Array);
      return {
        name: text(fields.find((x) => x.field === TENSOR.name)?.value ?? new Uint8Array()),
        dims: readInts(fields, TENSOR.dims),
      };
    });
  const infos = (field: number) =>
    graph.filter((f) => f.field === field).map((f) => parseValueInfo(f.value as Uint8Array));
  return { nodes, initializers, inputs: infos(GRAPH.input), outputs: infos(GRAPH.output) };
}

export interface Initializer {
  name: string;
  dims: number[];
  values: Float32Array | BigInt64Array;
}

export interface GraphNode {
  op: string;
  inputs: string[];
  outputs: string[];
  /** Integer attributes (one or a list). */
  attributes?: Record<string, number | number[]>;
  floatAttributes?: Record<string, number>;
}

function tensor(field: number, t: Initializer): Uint8Array {
  const raw = new Uint8Array(t.values.buffer, t.values.byteOffset, t.values.byteLength);
  return message(field, [
    ...t.dims.map((d) => intField(TENSOR.dims, d)),
    intField(TENSOR.dataType, t.values instanceof Float32Array ? ELEMENT_TYPE.float : ELEMENT_TYPE.int64),
    stringField(TENSOR.name, t.name),
    bytesField(TENSOR.rawData, raw),
  ]);
}

function intAttribute(name: string, value: number | number[]): Uint8Array {
  return message(
    NODE.attribute,
    Array.isArray(value)
      ? [
          stringField(ATTRIBUTE.name, name),
          ...value.map((v) => intField(ATTRIBUTE.ints, v)),
          intField(ATTRIBUTE.type, ATTRIBUTE_TYPE.ints),
        ]
      : [
          stringField(ATTRIBUTE.name, name),
          intField(ATTRIBUTE.i, value),
          intField(ATTRIBUTE.type, ATTRIBUTE_TYPE.int),
        ],
  );
}

const floatAttribute = (name: string, value: number): Uint8Array =>
  message(NODE.attribute, [
    stringField(ATTRIBUTE.name, name),
    floatField(ATTRIBUTE.f, value),
    intField(ATTRIBUTE.type, ATTRIBUTE_TYPE.float),
  ]);

function valueInfo(field: number, info: ValueInfo): Uint8Array {
  const dims = (info.shape ?? []).map((d) =>
    message(1, [typeof d === 'number' ? intField(1, d) : stringField(2, d)]),
  );
  const tensorType = message(1, [intField(1, info.elementType), ...(info.shape ? [message(2, dims)] : [])]);
  return message(field, [stringField(1, info.name), message(2, [tensorType])]);
}

const nodeField = (node: GraphNode, name: string): Uint8Array =>
  message(GRAPH.node, [
    ...node.inputs.map((input) => stringField(NODE.input, input)),
    ...node.outputs.map((output) => stringField(NODE.output, output)),
    stringField(NODE.name, name),
    stringField(NODE.opType, node.op),
    ...Object.entries(node.attributes ?? {}).map(([key, value]) => intAttribute(key, value)),
    ...Object.entries(node.floatAttributes ?? {}).map(([key, value]) => floatAttribute(key, value)),
  ]);

export interface GraphParts {
  nodes: GraphNode[];
  initializers: Initializer[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

/** A whole model (IR 8, opset 13) from its parts: for models the tests build. */
export function encodeOnnxModel(graph: GraphParts): Uint8Array {
  const graphProto = message(MODEL.graph, [
    ...graph.nodes.map((node, i) => nodeField(node, `node${i}`)),
    stringField(GRAPH.name, 'advscreen-graph'),
    ...graph.initializers.map((t) => tensor(GRAPH.initializer, t)),
    ...graph.inputs.map((info) => valueInfo(GRAPH.input, info)),
    ...graph.outputs.map((info) => valueInfo(GRAPH.output, info)),
  ]);
  return concat([
    intField(1, 8), // ir_version
    stringField(2, 'advscreen'),
    graphProto,
    message(MODEL.opsetImport, [stringField(1, ''), intField(2, 13)]),
  ]);
}

/**
 * The model with nodes, initializers, inputs and outputs added to its graph; everything already
 * there is copied byte for byte. `replaceOutputs` drops the graph's own outputs first.
 */
export function extendOnnxModel(
  model: Uint8Array,
  addition: GraphParts & { namePrefix: string; replaceOutputs?: boolean },
): Uint8Array {
  const graphField = graphFieldOf(model);
  const graphBytes = graphField.value as Uint8Array;
  const kept = readFields(graphBytes)
    .filter((f) => !(addition.replaceOutputs && f.field === GRAPH.output))
    .map((f) => graphBytes.subarray(f.start, f.end));
  const graph = message(MODEL.graph, [
    ...kept,
    ...addition.nodes.map((node, i) => nodeField(node, `${addition.namePrefix}${i}`)),
    ...addition.initializers.map((t) => tensor(GRAPH.initializer, t)),
    ...addition.inputs.map((info) => valueInfo(GRAPH.input, info)),
    ...addition.outputs.map((info) => valueInfo(GRAPH.output, info)),
  ]);
  return concat([model.subarray(0, graphField.start), graph, model.subarray(graphField.end)]);
}
