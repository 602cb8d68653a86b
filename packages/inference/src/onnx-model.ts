import type { ExecutionProvider, FloatRgbImage, RgbImage } from '@advscreen/contracts';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { LoadedModelSpec, ModelSpec } from './model-spec.ts';
import { type DetectionOutput, decodeYoloV8 } from './yolo-output.ts';

export interface ClassificationOutput {
  kind: 'classification';
  label: string;
  index: number;
  probability: number;
  probabilities: number[];
}

export type ModelOutput = ClassificationOutput | DetectionOutput;

/** The model's answer in one line: top class and probability, or best detection and score. */
export function topPrediction(output: ModelOutput): { label: string; probability: number } | null {
  if (output.kind === 'classification') return { label: output.label, probability: output.probability };
  const best = output.detections[0];
  return best ? { label: best.label, probability: best.score } : null;
}

/** Which RGB channel of the image feeds the model's input channel `c`. */
export const sourceChannel = (input: ModelSpec['input'], c: number): number =>
  input.colour === 'RGB' ? c : 2 - c;

/** Where input channel `c` of pixel `i` of example `n` sits in the batch tensor. */
export function tensorIndex(input: ModelSpec['input'], n: number, i: number, c: number): number {
  const plane = input.size * input.size;
  return input.layout === 'NCHW' ? n * 3 * plane + c * plane + i : n * 3 * plane + 3 * i + c;
}

/**
 * Lays out images as the model wants them: one float32 tensor for the whole batch. Pixel values
 * may be fractional (an attack's working image), on the 0-255 scale. Each channel is written in
 * one pass with its layout's stride; 8-bit pixels go through a 256-entry table of normalised
 * values (the same arithmetic, so the same floats): three copies of each image through the
 * consistency check made the per-pixel arithmetic a fifth of the model stage's CPU time.
 */
export function toInputTensor(images: readonly (RgbImage | FloatRgbImage)[], spec: LoadedModelSpec): Tensor {
  const { size, layout, scale, mean, std } = spec.input;
  const plane = size * size;
  const data = new Float32Array(images.length * 3 * plane);
  const normalise = (value: number, c: number) => (value / scale - (mean[c] as number)) / (std[c] as number);
  const tables = [0, 1, 2].map((c) => Float32Array.from({ length: 256 }, (_, value) => normalise(value, c)));
  const stride = layout === 'NCHW' ? 1 : 3;
  images.forEach((image, n) => {
    if (image.width !== size || image.height !== size) {
      throw new Error(`image is ${image.width}x${image.height}, the model takes ${size}x${size}`);
    }
    const pixels = image.data;
    for (let c = 0; c < 3; c++) {
      const from = sourceChannel(spec.input, c);
      let to = tensorIndex(spec.input, n, 0, c);
      if (pixels instanceof Uint8Array) {
        copyChannelThroughTable(pixels, from, tables[c] as Float32Array, data, to, stride, plane);
      } else {
        for (let i = 0; i < plane; i++, to += stride) data[to] = normalise(pixels[3 * i + from] as number, c);
      }
    }
  });
  const shape = layout === 'NCHW' ? [images.length, 3, size, size] : [images.length, size, size, 3];
  return new Tensor('float32', data, shape);
}

function copyChannelThroughTable(
  pixels: Uint8Array,
  from: number,
  table: Float32Array,
  data: Float32Array,
  start: number,
  stride: number,
  plane: number,
): void {
  for (let i = 0, to = start; i < plane; i++, to += stride)
    data[to] = table[pixels[3 * i + from] as number] as number;
}

function softmax(logits: number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}

function toClassification(raw: number[], spec: LoadedModelSpec, softmaxed: boolean): ClassificationOutput {
  const probabilities = softmaxed ? raw : softmax(raw);
  let index = 0;
  for (let c = 1; c < probabilities.length; c++)
    if ((probabilities[c] as number) > (probabilities[index] as number)) index = c;
  return {
    kind: 'classification',
    label: spec.labels[index] as string,
    index,
    probability: probabilities[index] as number,
    probabilities,
  };
}

/** The main model behind a narrow interface: images in, one decoded output per image out. */
export interface Model {
  readonly spec: LoadedModelSpec;
  /** Pixel values may be fractional (an attack's working image). */
  run(images: readonly (RgbImage | FloatRgbImage)[]): Promise<ModelOutput[]>;
  close(): Promise<void>;
}

const PROVIDER_REMEDIES: Partial<Record<ExecutionProvider, string>> = {
  cuda: 'Install the CUDA 12 runtime and onnxruntime-node with its CUDA files',
  webgpu: "Install a Vulkan loader (Debian's libvulkan1) and the GPU driver's Vulkan ICD",
};

/**
 * An onnxruntime session on the configured provider. A GPU provider that cannot start stops the
 * role with what to install, rather than falling back to the CPU unannounced.
 */
export async function createSession(
  model: string | Uint8Array,
  provider: ExecutionProvider,
): Promise<InferenceSession> {
  try {
    const options = { executionProviders: [provider] };
    // Two overloads (a path, the bytes): TypeScript picks one per call, not for a union.
    return await (typeof model === 'string'
      ? InferenceSession.create(model, options)
      : InferenceSession.create(model, options));
  } catch (error) {
    const remedy = PROVIDER_REMEDIES[provider];
    if (remedy) {
      throw new Error(
        `${provider} execution was asked for (ADVSCREEN_EXECUTION_PROVIDER=${provider}) but onnxruntime-node could not start it: ` +
          `${(error as Error).message}. ${remedy}, or set ADVSCREEN_EXECUTION_PROVIDER=cpu.`,
      );
    }
    throw error;
  }
}

export async function createOnnxModel(spec: LoadedModelSpec, provider: ExecutionProvider): Promise<Model> {
  const session = await createSession(spec.modelPath, provider);
  const output = spec.output;
  const model: Model = {
    spec,
    async run(images) {
      if (images.length === 0) return [];
      const outputs = await session.run({ [spec.input.name]: toInputTensor(images, spec) });
      const tensor = outputs[output.name];
      if (!tensor) throw new Error(`model has no output named ${output.name}`);
      const values = tensor.data as Float32Array;
      const perImage = values.length / images.length;
      return images.map((_, n) => {
        const slice = values.subarray(n * perImage, (n + 1) * perImage);
        if (output.kind === 'classification') {
          return toClassification(Array.from(slice), spec, output.activation === 'softmax');
        }
        return decodeYoloV8(slice, { ...output, inputSize: spec.input.size, labels: spec.labels });
      });
    },
    async close() {
      await session.release();
    },
  };
  // Warm-up: the first run allocates and plans; do it before taking jobs.
  await model.run([
    { width: spec.input.size, height: spec.input.size, data: new Uint8Array(3 * spec.input.size ** 2) },
  ]);
  return model;
}
