import { readFile } from 'node:fs/promises';
import type { FloatRgbImage } from '@advscreen/contracts';
import { GRADIENT_IO, inputGradientModel, shapeProbeModel } from '@advscreen/onnx-graph';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { LoadedModelSpec } from './model-spec.ts';
import { toInputTensor } from './onnx-model.ts';

/** One image's class scores and how each moves with the pixels. */
export interface ClassJacobian {
  /** The model's pre-softmax scores. */
  logits: number[];
  /** d logit_k / d pixel for each class k, laid out like the image (row-major RGB, per 0-255 step). */
  gradients: Float32Array[];
}

/** A classification model that also gives gradients, for attacks that need them (DeepFool). */
export interface DifferentiableModel {
  readonly classes: number;
  jacobian(images: readonly FloatRgbImage[]): Promise<ClassJacobian[]>;
  close(): Promise<void>;
}

/** Images per session call; each runs once per class. */
const IMAGES_PER_RUN = 4;

/**
 * The spec's classification model with a backward pass added to its graph (onnxruntime-node
 * has no autograd): one run at batch 1 learns the tensor shapes, then every image runs once per
 * class with that class's one-hot seed on the logits.
 */
export async function createDifferentiableModel(
  spec: LoadedModelSpec,
  provider: 'cpu' | 'cuda',
): Promise<DifferentiableModel> {
  if (spec.output.kind !== 'classification')
    throw new Error('gradients are only built for classification models');
  const { name: input, size, layout, colour, scale, std } = spec.input;
  const model = new Uint8Array(await readFile(spec.modelPath));
  const blank = { width: size, height: size, data: new Float32Array(3 * size * size) };
  const probe = shapeProbeModel(model, input);
  const probeSession = await InferenceSession.create(probe.model, { executionProviders: [provider] });
  const feed = toInputTensor([blank], spec);
  const probed = await probeSession.run({ [input]: feed });
  await probeSession.release();
  const shapes = new Map(Object.entries(probed).map(([name, tensor]) => [name, tensor.dims]));
  shapes.set(input, feed.dims);
  const session = await InferenceSession.create(
    inputGradientModel(model, { input, output: spec.output.name, shapes }),
    { executionProviders: [provider] },
  );
  const classes = spec.labels.length;
  const plane = size * size;

  /** d input-tensor / d pixel is 1 / (scale * std) per channel; the layout and colour order are undone. */
  const toPixelGradient = (tensor: Float32Array, example: number): Float32Array => {
    const gradient = new Float32Array(3 * plane);
    const base = example * 3 * plane;
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) {
        const sourceChannel = colour === 'RGB' ? c : 2 - c;
        const at = layout === 'NCHW' ? base + c * plane + i : base + 3 * i + c;
        gradient[3 * i + sourceChannel] = (tensor[at] as number) / (scale * (std[c] as number));
      }
    }
    return gradient;
  };

  return {
    classes,
    async jacobian(images) {
      const results: ClassJacobian[] = [];
      for (let at = 0; at < images.length; at += IMAGES_PER_RUN) {
        const chunk = images.slice(at, at + IMAGES_PER_RUN);
        const repeated = chunk.flatMap((image) => Array<FloatRgbImage>(classes).fill(image));
        const seeds = new Float32Array(repeated.length * classes);
        for (let n = 0; n < repeated.length; n++) seeds[n * classes + (n % classes)] = 1;
        const outputs = await session.run({
          [input]: toInputTensor(repeated, spec),
          [GRADIENT_IO.seed]: new Tensor('float32', seeds, [repeated.length, classes]),
        });
        const logits = outputs[GRADIENT_IO.logits]?.data as Float32Array;
        const gradients = outputs[GRADIENT_IO.inputGradient]?.data as Float32Array;
        chunk.forEach((_, i) => {
          const first = i * classes;
          results.push({
            logits: Array.from(logits.subarray(first * classes, (first + 1) * classes)),
            gradients: Array.from({ length: classes }, (_, k) => toPixelGradient(gradients, first + k)),
          });
        });
      }
      return results;
    },
    async close() {
      await session.release();
    },
  };
}
