import path from 'node:path';
import { readJsonFileAs } from '@advscreen/detection';
import { z } from 'zod';

/** One small file describing a model to the inference role (see models/<name>/spec.json). */
export const ModelSpec = z.object({
  format: z.literal('advscreen-model-spec'),
  id: z.string().min(1),
  version: z.string().min(1),
  /** Relative to the spec file. */
  path: z.string().min(1),
  input: z.object({
    name: z.string(),
    size: z.number().int().positive(),
    layout: z.enum(['NCHW', 'NHWC']),
    colour: z.enum(['RGB', 'BGR']),
    /** Pixel values are divided by this, then `(x - mean) / std` per channel. */
    scale: z.number().positive(),
    mean: z.tuple([z.number(), z.number(), z.number()]),
    std: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]),
  }),
  output: z.discriminatedUnion('kind', [
    z.object({
      name: z.string(),
      kind: z.literal('classification'),
      /** `softmax`: the output already holds probabilities; `none`: logits, softmaxed here. */
      activation: z.enum(['softmax', 'none']),
    }),
    z.object({
      name: z.string(),
      kind: z.literal('detection'),
      /** Ultralytics' YOLOv8 ONNX export: 1x(4+classes)xN, rows cx, cy, w, h in input pixels, then class scores. */
      layout: z.literal('yolov8'),
      scoreThreshold: z.number().min(0).max(1).default(0.25),
      iouThreshold: z.number().min(0).max(1).default(0.45),
      maxDetections: z.number().int().positive().default(100),
    }),
  ]),
  labels: z.array(z.string()).min(1),
  /** Model-check operating points (`advscreen calibrate-model` output), relative to the spec file. */
  checks: z.string().optional(),
});
export type ModelSpec = z.infer<typeof ModelSpec>;

export interface LoadedModelSpec extends ModelSpec {
  /** Absolute path of the ONNX file. */
  modelPath: string;
  /** Absolute path of the checks file, when the spec names one. */
  checksPath: string | undefined;
}

export function loadModelSpec(file: string): LoadedModelSpec {
  const spec = readJsonFileAs(ModelSpec, file, 'model spec');
  const folder = path.dirname(file);
  return {
    ...spec,
    modelPath: path.resolve(folder, spec.path),
    checksPath: spec.checks ? path.resolve(folder, spec.checks) : undefined,
  };
}

export const BUNDLED_MODEL_SPEC = new URL(
  '../../../models/mobilenetv2-moderation-224/spec.json',
  import.meta.url,
).pathname;
