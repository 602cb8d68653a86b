import {
  ELEMENT_TYPE,
  extendOnnxModel,
  type GraphNode,
  type Initializer,
  type OnnxNode,
  type ParsedOnnxModel,
  parseOnnxModel,
} from './onnx-model.ts';

/** Names the gradient model adds: its extra input and outputs. */
export const GRADIENT_IO = {
  /** d loss / d logits, one row per example (float, [N, classes]). */
  seed: 'advscreen_seed',
  /** The pre-softmax scores the seed applies to. */
  logits: 'advscreen_logits',
  /** d loss / d model input, shaped like the input. */
  inputGradient: 'advscreen_input_gradient',
} as const;

/** Ops whose output is never differentiable (integers about a tensor, not its values). */
const NON_DIFFERENTIABLE = new Set(['Shape', 'Size']);

/** The float tensors that depend on `input`, and the nodes computing them, in graph order. */
function differentiablePart(
  model: ParsedOnnxModel,
  input: string,
): { tensors: Set<string>; nodes: OnnxNode[] } {
  const tensors = new Set([input]);
  const nodes: OnnxNode[] = [];
  for (const node of model.nodes) {
    if (NON_DIFFERENTIABLE.has(node.op) || !node.inputs.some((name) => tensors.has(name))) continue;
    nodes.push(node);
    for (const output of node.outputs) tensors.add(output);
  }
  return { tensors, nodes };
}

/** The pre-softmax scores behind `output`: the input of the Softmax producing it, or `output` itself. */
function logitsTensor(model: ParsedOnnxModel, output: string): string {
  const producer = model.nodes.find((node) => node.outputs.includes(output));
  if (!producer) throw new Error(`the model has no output named ${output}`);
  return producer.op === 'Softmax' ? (producer.inputs[0] as string) : output;
}

/** The model answering its logits (GRADIENT_IO.logits) instead of its outputs: a forward run for attacks. */
export function logitsModel(model: Uint8Array, output: string): Uint8Array {
  const logits = logitsTensor(parseOnnxModel(model), output);
  return extendOnnxModel(model, {
    namePrefix: 'advscreen_logits',
    nodes: [{ op: 'Identity', inputs: [logits], outputs: [GRADIENT_IO.logits] }],
    initializers: [],
    inputs: [],
    outputs: [{ name: GRADIENT_IO.logits, elementType: ELEMENT_TYPE.float, shape: undefined }],
    replaceOutputs: true,
  });
}

/**
 * The model, made to report every tensor that depends on `input` as an output, so one run at
 * batch 1 gives the shapes `inputGradientModel` needs.
 */
export function shapeProbeModel(model: Uint8Array, input: string): { model: Uint8Array; outputs: string[] } {
  const outputs = [...differentiablePart(parseOnnxModel(model), input).tensors].filter(
    (name) => name !== input,
  );
  return {
    outputs,
    model: extendOnnxModel(model, {
      namePrefix: 'advscreen_probe',
      nodes: [],
      initializers: [],
      inputs: [],
      outputs: outputs.map((name) => ({ name, elementType: ELEMENT_TYPE.float, shape: undefined })),
      replaceOutputs: true,
    }),
  };
}

const ints = (value: unknown, fallback: number[]): number[] => (Array.isArray(value) ? value : fallback);

/**
 * The model extended with reverse-mode differentiation: given `seed` (d loss / d logits, where the
 * logits are the input of the Softmax producing `output`, or `output` itself), it also returns
 * d loss / d `input`. Attacks that need gradients (DeepFool) run on it; onnxruntime-node has no
 * autograd. Covers the ops of convolutional classifiers (Conv, BatchNormalization, Clip, Relu,
 * Add, Pad, global average pooling, Gemm, reshapes); any other op on the path is an error.
 * `shapes` gives each differentiable tensor's shape at batch 1 (`shapeProbeModel`).
 */
export function inputGradientModel(
  model: Uint8Array,
  options: { input: string; output: string; shapes: ReadonlyMap<string, readonly number[]> },
): Uint8Array {
  const parsed = parseOnnxModel(model);
  const { tensors, nodes } = differentiablePart(parsed, options.input);
  const logits = logitsTensor(parsed, options.output);
  if (!tensors.has(logits)) throw new Error(`${options.output} does not depend on ${options.input}`);
  const shapeOf = (name: string): readonly number[] => {
    const shape = options.shapes.get(name);
    if (!shape) throw new Error(`no shape known for ${name}`);
    return shape;
  };
  const weightDims = new Map(parsed.initializers.map((t) => [t.name, t.dims]));

  const added: GraphNode[] = [];
  const initializers: Initializer[] = [];
  let counter = 0;
  const emit = (op: string, inputs: string[], extra: Partial<GraphNode> = {}): string => {
    const name = `advscreen_grad_${counter++}`;
    added.push({ op, inputs, outputs: [name], ...extra });
    return name;
  };
  const constant = (values: Float32Array | BigInt64Array, dims: number[]): string => {
    const name = `advscreen_const_${initializers.length}`;
    initializers.push({ name, dims, values });
    return name;
  };
  const int64s = (values: number[]) => constant(BigInt64Array.from(values.map(BigInt)), [values.length]);
  const scalar = (value: number) => constant(Float32Array.of(value), []);
  const maskOf = (condition: string) => emit('Cast', [condition], { attributes: { to: ELEMENT_TYPE.float } });

  const contributions = new Map<string, string[]>([[logits, [GRADIENT_IO.seed]]]);
  const contribute = (tensor: string, gradient: string) => {
    if (tensors.has(tensor)) contributions.set(tensor, [...(contributions.get(tensor) ?? []), gradient]);
  };
  const gradientOf = (tensor: string): string | undefined => {
    const parts = contributions.get(tensor);
    if (!parts || parts.length === 0) return undefined;
    return parts.length === 1 ? parts[0] : emit('Sum', parts);
  };

  for (const node of [...nodes].reverse()) {
    const output = node.outputs[0] as string;
    const dy = gradientOf(output);
    if (!dy) continue;
    const x = node.inputs[0] as string;
    const a = node.attributes;
    switch (node.op) {
      case 'Identity':
      case 'Dropout':
        contribute(x, dy);
        break;
      case 'Relu':
        contribute(x, emit('Mul', [dy, maskOf(emit('Greater', [x, scalar(0)]))]));
        break;
      case 'Clip': {
        // As PyTorch's clamp: the gradient passes where the input lies within the bounds, ends included.
        const [, min, max] = node.inputs;
        const conditions = [
          ...(min ? [emit('GreaterOrEqual', [x, min])] : []),
          ...(max ? [emit('LessOrEqual', [x, max])] : []),
        ];
        const inside = conditions.length === 2 ? emit('And', conditions) : conditions[0];
        contribute(x, inside ? emit('Mul', [dy, maskOf(inside)]) : dy);
        break;
      }
      case 'BatchNormalization': {
        if (a.training_mode) throw new Error('BatchNormalization in training mode has no gradient rule here');
        const [, scale, , , variance] = node.inputs as [string, string, string, string, string];
        const epsilon = typeof a.epsilon === 'number' ? a.epsilon : 1e-5;
        const perChannel = emit('Div', [scale, emit('Sqrt', [emit('Add', [variance, scalar(epsilon)])])]);
        const rank = shapeOf(x).length;
        const broadcast = emit('Reshape', [perChannel, int64s([1, -1, ...Array(rank - 2).fill(1)])]);
        contribute(x, emit('Mul', [dy, broadcast]));
        break;
      }
      case 'Add':
        for (const operand of node.inputs.slice(0, 2)) {
          if (!tensors.has(operand)) continue;
          if (shapeOf(operand).join() !== shapeOf(output).join())
            throw new Error(`Add ${output} broadcasts ${operand}: no gradient rule for that here`);
          contribute(operand, dy);
        }
        break;
      case 'Pad': {
        const mode = a.mode ?? 'constant';
        if (mode !== 'constant' || !node.inputs[1]) throw new Error(`Pad ${output}: only constant padding`);
        const rank = shapeOf(x).length;
        const pads = node.inputs[1];
        const starts = emit('Slice', [pads, int64s([0]), int64s([rank])]);
        const ends = emit('Sub', [
          emit('Shape', [dy]),
          emit('Slice', [pads, int64s([rank]), int64s([2 * rank])]),
        ]);
        contribute(x, emit('Slice', [dy, starts, ends]));
        break;
      }
      case 'Conv': {
        if (a.auto_pad && a.auto_pad !== 'NOTSET')
          throw new Error(`Conv ${output}: auto_pad is not supported`);
        const weight = node.inputs[1] as string;
        const [inShape, outShape] = [shapeOf(x), shapeOf(output)];
        const spatial = inShape.length - 2;
        const kernel = ints(a.kernel_shape, (weightDims.get(weight) ?? []).slice(2));
        const strides = ints(a.strides, Array(spatial).fill(1));
        const dilations = ints(a.dilations, Array(spatial).fill(1));
        const pads = ints(a.pads, Array(2 * spatial).fill(0));
        const outputPadding = kernel.map(
          (k, i) =>
            (inShape[i + 2] as number) -
            (((outShape[i + 2] as number) - 1) * (strides[i] as number) +
              (dilations[i] as number) * (k - 1) +
              1 -
              (pads[i] as number) -
              (pads[i + spatial] as number)),
        );
        contribute(
          x,
          emit('ConvTranspose', [dy, weight], {
            attributes: {
              group: typeof a.group === 'number' ? a.group : 1,
              kernel_shape: kernel,
              strides,
              dilations,
              pads,
              output_padding: outputPadding,
            },
          }),
        );
        break;
      }
      case 'AveragePool':
      case 'GlobalAveragePool': {
        const [inShape, outShape] = [shapeOf(x), shapeOf(output)];
        const window = inShape.slice(2).reduce((n, d) => n * d, 1);
        const global = outShape.slice(2).every((d) => d === 1) && !ints(a.pads, []).some((p) => p !== 0);
        if (!global)
          throw new Error(`${node.op} ${output}: only global average pooling has a gradient rule here`);
        contribute(x, emit('Expand', [emit('Mul', [dy, scalar(1 / window)]), emit('Shape', [x])]));
        break;
      }
      case 'Gemm': {
        if (a.transA) throw new Error(`Gemm ${output}: transA is not supported`);
        const alpha = typeof a.alpha === 'number' ? a.alpha : 1;
        contribute(
          x,
          emit('Gemm', [dy, node.inputs[1] as string], {
            attributes: { transB: a.transB ? 0 : 1 },
            floatAttributes: { alpha },
          }),
        );
        break;
      }
      case 'Transpose': {
        const rank = shapeOf(x).length;
        const perm = ints(a.perm, [...Array(rank).keys()].reverse());
        const inverse = perm.map((_, i) => perm.indexOf(i));
        contribute(x, emit('Transpose', [dy], { attributes: { perm: inverse } }));
        break;
      }
      case 'Reshape':
      case 'Flatten':
      case 'Squeeze':
      case 'Unsqueeze':
        contribute(x, emit('Reshape', [dy, emit('Shape', [x])]));
        break;
      default:
        throw new Error(`no gradient rule for ${node.op} (${output}) on the path from the input`);
    }
  }
  const inputGradient = gradientOf(options.input);
  if (!inputGradient) throw new Error(`${options.input} does not reach the logits`);
  added.push({ op: 'Identity', inputs: [inputGradient], outputs: [GRADIENT_IO.inputGradient] });
  added.push({ op: 'Identity', inputs: [logits], outputs: [GRADIENT_IO.logits] });

  const inputInfo = parsed.inputs.find((info) => info.name === options.input);
  const classes = shapeOf(logits).at(-1) as number;
  return extendOnnxModel(model, {
    namePrefix: 'advscreen_backward',
    nodes: added,
    initializers,
    inputs: [{ name: GRADIENT_IO.seed, elementType: ELEMENT_TYPE.float, shape: ['batch', classes] }],
    outputs: [
      { name: GRADIENT_IO.logits, elementType: ELEMENT_TYPE.float, shape: ['batch', classes] },
      { name: GRADIENT_IO.inputGradient, elementType: ELEMENT_TYPE.float, shape: inputInfo?.shape },
    ],
  });
}
