import type { RgbImage } from '@advscreen/contracts';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { LoadedModelSpec } from './model-spec.ts';

export interface Prediction {
  label: string;
  index: number;
  probability: number;
  probabilities: number[];
}

/** Lays out images as the model wants them: one float32 tensor for the whole batch. */
export function toInputTensor(images: readonly RgbImage[], spec: LoadedModelSpec): Tensor {
  const { size, layout, colour, scale, mean, std } = spec.input;
  const plane = size * size;
  const data = new Float32Array(images.length * 3 * plane);
  images.forEach((image, n) => {
    if (image.width !== size || image.height !== size) {
      throw new Error(`image is ${image.width}x${image.height}, the model takes ${size}x${size}`);
    }
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) {
        const sourceChannel = colour === 'RGB' ? c : 2 - c;
        const value =
          ((image.data[3 * i + sourceChannel] as number) / scale - (mean[c] as number)) / (std[c] as number);
        const at = layout === 'NCHW' ? n * 3 * plane + c * plane + i : n * 3 * plane + 3 * i + c;
        data[at] = value;
      }
    }
  });
  const shape = layout === 'NCHW' ? [images.length, 3, size, size] : [images.length, size, size, 3];
  return new Tensor('float32', data, shape);
}

function softmax(logits: number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}

/** The main model behind a narrow interface: images in, predictions out. */
export interface Classifier {
  readonly spec: LoadedModelSpec;
  classify(images: readonly RgbImage[]): Promise<Prediction[]>;
  close(): Promise<void>;
}

export async function createOnnxClassifier(
  spec: LoadedModelSpec,
  provider: 'cpu' | 'cuda',
): Promise<Classifier> {
  let session: InferenceSession;
  try {
    session = await InferenceSession.create(spec.modelPath, { executionProviders: [provider] });
  } catch (error) {
    if (provider === 'cuda') {
      throw new Error(
        `CUDA execution was asked for (ADVSCREEN_EXECUTION_PROVIDER=cuda) but onnxruntime-node could not start it: ${(error as Error).message}. ` +
          'Install the CUDA 12 runtime and onnxruntime-node with its CUDA files, or set ADVSCREEN_EXECUTION_PROVIDER=cpu.',
      );
    }
    throw error;
  }
  const classifier: Classifier = {
    spec,
    async classify(images) {
      if (images.length === 0) return [];
      const outputs = await session.run({ [spec.input.name]: toInputTensor(images, spec) });
      const output = outputs[spec.output.name];
      if (!output) throw new Error(`model has no output named ${spec.output.name}`);
      const values = output.data as Float32Array;
      const classes = spec.labels.length;
      return images.map((_, n) => {
        const raw = Array.from(values.subarray(n * classes, (n + 1) * classes));
        const probabilities = spec.output.activation === 'softmax' ? raw : softmax(raw);
        let index = 0;
        for (let c = 1; c < classes; c++)
          if ((probabilities[c] as number) > (probabilities[index] as number)) index = c;
        return {
          label: spec.labels[index] as string,
          index,
          probability: probabilities[index] as number,
          probabilities,
        };
      });
    },
    async close() {
      await session.release();
    },
  };
  // Warm-up: the first run allocates and plans; do it before taking jobs.
  await classifier.classify([
    { width: spec.input.size, height: spec.input.size, data: new Uint8Array(3 * spec.input.size ** 2) },
  ]);
  return classifier;
}
