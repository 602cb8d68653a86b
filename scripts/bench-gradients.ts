// npm run bench:gradients -- [--images 16]
// What the gradient model costs on this machine's CPU (docs/decisions/0002-model-gradients.md):
// a forward run of the main model, the logits and their pixel gradients for every class (the
// backward pass written into the ONNX graph), and DeepFool until the 8-bit image crosses.
import { parseArgs } from 'node:util';
import { deepFool } from '@advscreen/attacks';
import {
  BUNDLED_MODEL_SPEC,
  createDifferentiableModel,
  createOnnxModel,
  loadModelSpec,
} from '@advscreen/inference';
import { loadBenchImages } from './bench-images.ts';
import { describeMachine } from './machine.ts';

const { values } = parseArgs({ options: { images: { type: 'string', default: '16' } } });
const spec = loadModelSpec(BUNDLED_MODEL_SPEC);
const images = await loadBenchImages(Number(values.images), spec.input.size);
const model = await createOnnxModel(spec, 'cpu');
let started = performance.now();
const differentiable = await createDifferentiableModel(spec, 'cpu');
const buildMs = performance.now() - started;
console.log(`bench:gradients  ${spec.id}@${spec.version}, ${images.length} images, CPU`);
console.log(`machine          ${describeMachine()}`);
console.log(`gradient model built (shape probe, backward graph, session) in ${buildMs.toFixed(0)} ms`);

const floats = images.map((image) => ({ ...image, data: Float32Array.from(image.data) }));
await model.run(images.slice(0, 4));
await differentiable.jacobian(floats.slice(0, 1));
started = performance.now();
const outputs = await model.run(images);
const forwardMs = (performance.now() - started) / images.length;
started = performance.now();
await differentiable.jacobian(floats);
const jacobianMs = (performance.now() - started) / images.length;
console.log(`forward run            ${forwardMs.toFixed(1)} ms/image`);
console.log(
  `logits + gradients     ${jacobianMs.toFixed(1)} ms/image for all ${spec.labels.length} classes (${(jacobianMs / spec.labels.length).toFixed(1)} ms per class)`,
);

const labels = outputs.map((output) => (output.kind === 'classification' ? output.index : 0));
started = performance.now();
const results = await deepFool(images, labels, differentiable.jacobian.bind(differentiable), {
  on: 'logits',
  check: 'rounded',
});
const deepFoolSeconds = (performance.now() - started) / 1000;
const steps = results.map((r) => r.steps).sort((a, b) => a - b);
console.log(
  `DeepFool (logits, until the 8-bit image crosses): ${(deepFoolSeconds / images.length).toFixed(2)} s/image, ` +
    `${results.filter((r) => r.crossed).length} of ${images.length} crossed, median ${steps[Math.floor(steps.length / 2)]} steps`,
);
await Promise.all([model.close(), differentiable.close()]);
