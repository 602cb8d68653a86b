import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GRADIENT_IO, inputGradientModel, shapeProbeModel } from './input-gradient.ts';
import { ELEMENT_TYPE, encodeOnnxModel, type GraphNode, type Initializer } from './onnx-model.ts';

let state = 7;
const random = () => {
  state = (state * 16807) % 2147483647;
  return state / 2147483647 - 0.5;
};
const floats = (name: string, dims: number[], scale = 1, offset = 0): Initializer => ({
  name,
  dims,
  values: Float32Array.from({ length: dims.reduce((n, d) => n * d, 1) }, () => offset + scale * random()),
});

/**
 * A small classifier using every op the gradient rules cover, shaped so that the strided
 * convolution's transpose needs an output padding (padded 10 -> 4 -> 9 without it).
 */
function smallClassifier(): Uint8Array {
  const nodes: GraphNode[] = [
    { op: 'Pad', inputs: ['x', 'pads'], outputs: ['padded'] },
    {
      op: 'Conv',
      inputs: ['padded', 'w1'],
      outputs: ['c1'],
      attributes: { strides: [2, 2], kernel_shape: [3, 3] },
    },
    {
      op: 'BatchNormalization',
      inputs: ['c1', 'bn_scale', 'bn_bias', 'bn_mean', 'bn_var'],
      outputs: ['b1'],
      floatAttributes: { epsilon: 0.001 },
    },
    { op: 'Clip', inputs: ['b1', 'zero', 'six'], outputs: ['r1'] },
    {
      op: 'Conv',
      inputs: ['r1', 'wd', 'bd'],
      outputs: ['c2'],
      attributes: { group: 4, pads: [1, 1, 1, 1], kernel_shape: [3, 3] },
    },
    { op: 'Relu', inputs: ['c2'], outputs: ['r2'] },
    { op: 'Add', inputs: ['r1', 'r2'], outputs: ['sum'] },
    { op: 'AveragePool', inputs: ['sum'], outputs: ['pooled'], attributes: { kernel_shape: [4, 4] } },
    { op: 'Transpose', inputs: ['pooled'], outputs: ['swapped'], attributes: { perm: [0, 2, 3, 1] } },
    { op: 'Flatten', inputs: ['swapped'], outputs: ['flat'] },
    { op: 'Gemm', inputs: ['flat', 'fc', 'fc_bias'], outputs: ['logits'], attributes: { transB: 1 } },
    { op: 'Softmax', inputs: ['logits'], outputs: ['probabilities'] },
  ];
  return encodeOnnxModel({
    nodes,
    initializers: [
      { name: 'pads', dims: [8], values: BigInt64Array.from([0n, 0n, 0n, 0n, 0n, 0n, 1n, 1n]) },
      floats('w1', [4, 3, 3, 3]),
      floats('bn_scale', [4], 0.5, 1),
      floats('bn_bias', [4]),
      floats('bn_mean', [4], 0.2),
      floats('bn_var', [4], 0.4, 1),
      { name: 'zero', dims: [], values: Float32Array.of(0) },
      { name: 'six', dims: [], values: Float32Array.of(0.6) },
      floats('wd', [4, 1, 3, 3]),
      floats('bd', [4], 0.2),
      floats('fc', [3, 4], 2),
      floats('fc_bias', [3]),
    ],
    inputs: [{ name: 'x', elementType: ELEMENT_TYPE.float, shape: ['batch', 3, 9, 9] }],
    outputs: [{ name: 'probabilities', elementType: ELEMENT_TYPE.float, shape: ['batch', 3] }],
  });
}

async function gradientSession(model: Uint8Array, inputShape: number[]) {
  const probe = shapeProbeModel(model, 'x');
  const probeSession = await InferenceSession.create(probe.model);
  const zeros = new Tensor('float32', new Float32Array(inputShape.reduce((n, d) => n * d, 1)), inputShape);
  const shapes = new Map(Object.entries(await probeSession.run({ x: zeros })).map(([k, t]) => [k, t.dims]));
  shapes.set('x', inputShape);
  return InferenceSession.create(inputGradientModel(model, { input: 'x', output: 'probabilities', shapes }));
}

describe('inputGradientModel', () => {
  it('gives d logit / d input that matches finite differences, through every supported op', async () => {
    const shape = [1, 3, 9, 9];
    const session = await gradientSession(smallClassifier(), shape);
    const size = 3 * 81;
    const x = Float32Array.from({ length: size }, () => 0.5 + random());
    const logitsAt = async (input: Float32Array) =>
      (
        await session.run({
          x: new Tensor('float32', input, shape),
          [GRADIENT_IO.seed]: new Tensor('float32', new Float32Array(3), [1, 3]),
        })
      )[GRADIENT_IO.logits]?.data as Float32Array;
    for (let k = 0; k < 3; k++) {
      const seed = new Float32Array(3);
      seed[k] = 1;
      const outputs = await session.run({
        x: new Tensor('float32', x, shape),
        [GRADIENT_IO.seed]: new Tensor('float32', seed, [1, 3]),
      });
      const gradient = outputs[GRADIENT_IO.inputGradient]?.data as Float32Array;
      expect(gradient).toHaveLength(size);
      for (let trial = 0; trial < 3; trial++) {
        const direction = Float32Array.from({ length: size }, () => random());
        const h = 1e-3;
        const [plus, minus] = await Promise.all(
          [h, -h].map((step) => logitsAt(x.map((v, i) => v + step * (direction[i] as number)))),
        );
        const finite = ((plus?.[k] as number) - (minus?.[k] as number)) / (2 * h);
        const analytic = gradient.reduce((sum, g, i) => sum + g * (direction[i] as number), 0);
        expect(Math.abs(analytic - finite)).toBeLessThan(0.02 * Math.abs(finite) + 2e-3);
      }
    }
  });

  it('says which op it has no rule for', () => {
    const model = encodeOnnxModel({
      nodes: [
        { op: 'Sigmoid', inputs: ['x'], outputs: ['s'] },
        { op: 'Softmax', inputs: ['s'], outputs: ['probabilities'] },
      ],
      initializers: [],
      inputs: [{ name: 'x', elementType: ELEMENT_TYPE.float, shape: [1, 3] }],
      outputs: [{ name: 'probabilities', elementType: ELEMENT_TYPE.float, shape: [1, 3] }],
    });
    const shapes = new Map([
      ['x', [1, 3]],
      ['s', [1, 3]],
      ['probabilities', [1, 3]],
    ]);
    expect(() => inputGradientModel(model, { input: 'x', output: 'probabilities', shapes })).toThrow(
      /no gradient rule for Sigmoid/,
    );
  });
});
