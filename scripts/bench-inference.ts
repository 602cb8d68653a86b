// npm run bench:inference -- [--images 128]
// Model throughput on this machine's CPU at batch sizes 1, 4, 8 and 16, with and without the
// consistency check (each image plus its squeezed copy in the same batch).
import { parseArgs } from 'node:util';
import {
  BUNDLED_MODEL_SPEC,
  createOnnxModel,
  inspectImages,
  loadModelChecks,
  loadModelSpec,
} from '@advscreen/inference';
import { loadBenchImages } from './bench-images.ts';
import { describeMachine } from './machine.ts';

const { values } = parseArgs({
  options: { images: { type: 'string', default: '128' }, provider: { type: 'string', default: 'cpu' } },
});
const spec = loadModelSpec(BUNDLED_MODEL_SPEC);
const checks = spec.checksPath ? loadModelChecks(spec.checksPath) : undefined;
const images = await loadBenchImages(Number(values.images), spec.input.size);
const model = await createOnnxModel(spec, values.provider as 'cpu' | 'cuda');
console.log(
  `bench:inference  ${spec.id}@${spec.version}, ${images.length} images, provider ${values.provider}`,
);
console.log(`machine          ${describeMachine()}`);
for (const consistency of [false, true]) {
  for (const batch of [1, 4, 8, 16]) {
    const settings = {
      consistency: consistency
        ? { squeezers: checks?.consistency.squeezers ?? ['median2x2' as const], threshold: 1 }
        : null,
      confidenceBound: null,
    };
    await inspectImages(model, images.slice(0, batch), settings);
    const started = performance.now();
    for (let i = 0; i < images.length; i += batch)
      await inspectImages(model, images.slice(i, i + batch), settings);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `batch ${String(batch).padStart(2)}  consistency ${consistency ? 'on ' : 'off'}  ${(images.length / seconds).toFixed(1).padStart(6)} images/s  ` +
        `${((seconds * 1000) / images.length).toFixed(2)} ms/image`,
    );
  }
}
await model.close();
