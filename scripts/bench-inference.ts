// npm run bench:inference -- [--images 128] [--provider cpu|cuda|webgpu] [--batches 1,4,8,16] [--checks F]
// Model throughput at each batch size, with and without the consistency check (each image plus
// its squeezed copy in the same batch).
import { parseArgs } from 'node:util';
import { EXECUTION_PROVIDERS, type ExecutionProvider } from '@advscreen/contracts';
import {
  BUNDLED_MODEL_SPEC,
  createOnnxModel,
  type Inspection,
  inspectImages,
  loadModelChecks,
  loadModelSpec,
  type Model,
  usesTranslatedCopy,
} from '@advscreen/inference';
import { loadBenchImages } from './bench-images.ts';
import { describeMachine } from './machine.ts';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '128' },
    provider: { type: 'string', default: 'cpu' },
    batches: { type: 'string', default: '1,4,8,16' },
    // Another checks file than the bundled model's (checks-without-translation.json, say).
    checks: { type: 'string' },
  },
});
const spec = loadModelSpec(BUNDLED_MODEL_SPEC);
const checksPath = values.checks ?? spec.checksPath;
const checks = checksPath ? loadModelChecks(checksPath) : undefined;
const images = await loadBenchImages(Number(values.images), spec.input.size);
const provider = values.provider as ExecutionProvider;
const batches = values.batches.split(',').map(Number);
if (!EXECUTION_PROVIDERS.includes(provider) || batches.some((b) => !Number.isInteger(b) || b < 1)) {
  console.error(
    `usage: bench:inference [--images N] [--provider ${EXECUTION_PROVIDERS.join('|')}] [--batches 1,4,8,16] [--checks F]`,
  );
  process.exit(2);
}
const onnxModel = await createOnnxModel(spec, provider);
// Time inside the model call (input tensor, session run, output decode) apart from the rest of
// the check (squeezing, distances): on a GPU it says how much of the cost the device carries.
let modelMs = 0;
const model: Model = {
  ...onnxModel,
  async run(batch) {
    const started = performance.now();
    const outputs = await onnxModel.run(batch);
    modelMs += performance.now() - started;
    return outputs;
  },
};
console.log(
  `bench:inference  ${spec.id}@${spec.version}, ${images.length} images, provider ${provider}, checks ${checksPath ?? 'none'}` +
    ` (${usesTranslatedCopy(checks?.joint) ? 'with' : 'without'} the translated copy)`,
);
console.log(`machine          ${describeMachine()}`);
for (const consistency of [false, true]) {
  for (const batch of batches) {
    const settings = {
      consistency: consistency
        ? { squeezers: checks?.consistency.squeezers ?? ['median2x2' as const], threshold: 1 }
        : null,
      confidenceBound: null,
      // As the model stage runs the shipped checks: the joint rule's translated copy too.
      translatedCopy: consistency && usesTranslatedCopy(checks?.joint),
    };
    await inspectImages(model, images.slice(0, batch), settings);
    modelMs = 0;
    const started = performance.now();
    for (let i = 0; i < images.length; i += batch)
      await inspectImages(model, images.slice(i, i + batch), settings);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `batch ${String(batch).padStart(3)}  consistency ${consistency ? 'on ' : 'off'}  ${(images.length / seconds).toFixed(1).padStart(6)} images/s  ` +
        `${((seconds * 1000) / images.length).toFixed(2)} ms/image  (model call ${(modelMs / images.length).toFixed(2)})`,
    );
  }
}
await onnxModel.close();

// The thresholds were calibrated on CPU outputs: on another provider, check they read the same.
if (provider !== 'cpu' && checks) {
  const sample = images.slice(0, 64);
  const settings = {
    consistency: checks.consistency,
    confidenceBound: null,
    translatedCopy: usesTranslatedCopy(checks.joint),
  };
  const [here, onCpu] = await Promise.all(
    [provider, 'cpu' as const].map(async (runOn) => {
      const runner = await createOnnxModel(spec, runOn);
      const inspections: Inspection[] = [];
      for (let i = 0; i < sample.length; i += 8)
        inspections.push(...(await inspectImages(runner, sample.slice(i, i + 8), settings)));
      await runner.close();
      return inspections;
    }),
  );
  let probability = 0;
  let consistencyGap = 0;
  let labels = 0;
  let verdicts = 0;
  sample.forEach((_, i) => {
    const [a, b] = [here?.[i], onCpu?.[i]] as [Inspection, Inspection];
    const [pa, pb] = [a.output, b.output].map((o) => (o.kind === 'classification' ? o.probabilities : []));
    pa?.forEach((p, c) => {
      probability = Math.max(probability, Math.abs(p - (pb?.[c] ?? Number.NaN)));
    });
    consistencyGap = Math.max(
      consistencyGap,
      Math.abs((a.consistency ?? 0) - (b.consistency ?? 0)),
      Math.abs((a.translated?.distance ?? 0) - (b.translated?.distance ?? 0)),
    );
    if (a.prediction?.label !== b.prediction?.label) labels++;
    if ((a.failure === null) !== (b.failure === null)) verdicts++;
  });
  console.log(
    `against cpu      ${sample.length} images: probabilities differ by at most ${probability.toExponential(1)}, ` +
      `consistency scores by ${consistencyGap.toExponential(1)}; top label differs on ${labels}, check verdict on ${verdicts}`,
  );
}
