import { readFile } from 'node:fs/promises';
import type { ExecutionProvider, FloatRgbImage } from '@advscreen/contracts';
import { GRADIENT_IO, inputGradientModel, logitsModel, shapeProbeModel } from '@advscreen/onnx-graph';
import { Tensor } from 'onnxruntime-node';
import type { LoadedModelSpec } from './model-spec.ts';
import { createSession, sourceChannel, tensorIndex, toInputTensor } from './onnx-model.ts';

/** One image's class scores and how each moves with the pixels. */
export interface ClassJacobian {
  /** The model's pre-softmax scores. */
  logits: number[];
  /** d logit_k / d pixel for each class k, laid out like the image (row-major RGB, per 0-255 step). */
  gradients: Float32Array[];
}

/** One image's logits and the gradient of a loss with respect to its pixels. */
export interface LossGradient {
  logits: number[];
  /** d loss / d pixel, laid out like the image (row-major RGB, per 0-255 step). */
  gradient: Float32Array;
}

/** A classification model that also gives gradients, for attacks that need them (FGSM, PGD, DeepFool). */
export interface DifferentiableModel {
  readonly classes: number;
  /** The pre-softmax scores, from a forward run only. */
  logits(images: readonly FloatRgbImage[]): Promise<number[][]>;
  /** For each image, the gradient of the loss whose derivative with respect to the logits is `seeds[i]`. */
  gradients(images: readonly FloatRgbImage[], seeds: readonly (readonly number[])[]): Promise<LossGradient[]>;
  /** Every class's logit gradient (one backward pass per class). */
  jacobian(images: readonly FloatRgbImage[]): Promise<ClassJacobian[]>;
  close(): Promise<void>;
}

/** Examples per session call (an image once per seed). */
const EXAMPLES_PER_RUN = 20;

/**
 * The spec's classification model with a backward pass added to its graph (onnxruntime-node
 * has no autograd): one run at batch 1 learns the tensor shapes; `gradients` runs each image
 * with its seed on the logits, `jacobian` once per class with that class's one-hot seed, and
 * `logits` a forward-only copy of the model.
 */
export async function createDifferentiableModel(
  spec: LoadedModelSpec,
  provider: ExecutionProvider,
): Promise<DifferentiableModel> {
  if (spec.output.kind !== 'classification')
    throw new Error('gradients are only built for classification models');
  const { name: input, size, scale, std } = spec.input;
  const model = new Uint8Array(await readFile(spec.modelPath));
  const blank = { width: size, height: size, data: new Float32Array(3 * size * size) };
  const probe = shapeProbeModel(model, input);
  const probeSession = await createSession(probe.model, provider);
  const feed = toInputTensor([blank], spec);
  const probed = await probeSession.run({ [input]: feed });
  await probeSession.release();
  const shapes = new Map(Object.entries(probed).map(([name, tensor]) => [name, tensor.dims]));
  shapes.set(input, feed.dims);
  const session = await createSession(
    inputGradientModel(model, { input, output: spec.output.name, shapes }),
    provider,
  );
  const forward = await createSession(logitsModel(model, spec.output.name), provider);
  const classes = spec.labels.length;
  const plane = size * size;

  /** d input-tensor / d pixel is 1 / (scale * std) per channel; toInputTensor's layout and colour order are undone. */
  const toPixelGradient = (tensor: Float32Array, example: number): Float32Array => {
    const gradient = new Float32Array(3 * plane);
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) {
        gradient[3 * i + sourceChannel(spec.input, c)] =
          (tensor[tensorIndex(spec.input, example, i, c)] as number) / (scale * (std[c] as number));
      }
    }
    return gradient;
  };

  const gradients = async (images: readonly FloatRgbImage[], seeds: readonly (readonly number[])[]) => {
    const results: LossGradient[] = [];
    for (let at = 0; at < images.length; at += EXAMPLES_PER_RUN) {
      const chunk = images.slice(at, at + EXAMPLES_PER_RUN);
      const seedData = new Float32Array(chunk.length * classes);
      chunk.forEach((_, n) => {
        seedData.set(seeds[at + n] as readonly number[], n * classes);
      });
      const outputs = await session.run({
        [input]: toInputTensor(chunk, spec),
        [GRADIENT_IO.seed]: new Tensor('float32', seedData, [chunk.length, classes]),
      });
      const logits = outputs[GRADIENT_IO.logits]?.data as Float32Array;
      const inputGradients = outputs[GRADIENT_IO.inputGradient]?.data as Float32Array;
      chunk.forEach((_, n) => {
        results.push({
          logits: Array.from(logits.subarray(n * classes, (n + 1) * classes)),
          gradient: toPixelGradient(inputGradients, n),
        });
      });
    }
    return results;
  };

  return {
    classes,
    async logits(images) {
      if (images.length === 0) return [];
      const outputs = await forward.run({ [input]: toInputTensor(images, spec) });
      const values = outputs[GRADIENT_IO.logits]?.data as Float32Array;
      return images.map((_, n) => Array.from(values.subarray(n * classes, (n + 1) * classes)));
    },
    gradients,
    async jacobian(images) {
      const repeated = images.flatMap((image) => Array<FloatRgbImage>(classes).fill(image));
      const oneHot = repeated.map((_, n) =>
        Array.from({ length: classes }, (_, k) => (k === n % classes ? 1 : 0)),
      );
      const perClass = await gradients(repeated, oneHot);
      return images.map((_, i) => ({
        logits: (perClass[i * classes] as LossGradient).logits,
        gradients: perClass.slice(i * classes, (i + 1) * classes).map((g) => g.gradient),
      }));
    },
    async close() {
      await Promise.all([session.release(), forward.release()]);
    },
  };
}
