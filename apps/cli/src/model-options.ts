import type { AdvscreenConfig } from '@advscreen/config';
import {
  BUNDLED_MODEL_SPEC,
  createModelStage,
  createOnnxModel,
  inspectionSettings,
  loadModelChecks,
  loadModelSpec,
} from '@advscreen/inference';
import { UsageError } from './usage-error.ts';

/**
 * Opens the main model and its checks for the embedded cascade: the spec given (or the bundled
 * one for `--model default`), its checks file unless another is named.
 */
export async function openModelStage(
  config: AdvscreenConfig,
  values: {
    model?: string | undefined;
    'model-checks'?: string | undefined;
    'no-consistency'?: boolean | undefined;
  },
) {
  const spec = loadModelSpec(
    values.model === 'default' || values.model === undefined ? BUNDLED_MODEL_SPEC : values.model,
  );
  const checksPath = values['model-checks'] ?? config.fleet.modelChecks ?? spec.checksPath;
  const checks = checksPath ? loadModelChecks(checksPath) : undefined;
  const name = `${spec.id}@${spec.version}`;
  if (checks && checks.model !== name)
    throw new UsageError(`${checksPath} was calibrated for ${checks.model}, not ${name}`);
  const checksSource = !checks
    ? 'none: no checks file, so no consistency threshold or bounds (run advscreen calibrate-model)'
    : checksPath === spec.checksPath
      ? `the model's bundled checks, calibrated on ${checks.sample.images} clean images (${checks.sample.location}); run advscreen calibrate-model on your own clean images`
      : `${checksPath}, calibrated on ${checks.sample.images} clean images from ${checks.sample.location}`;
  const model = await createOnnxModel(spec, config.fleet.executionProvider);
  const consistency = !values['no-consistency'] && config.fleet.consistencyCheck;
  const stage = createModelStage(model, inspectionSettings(checks, consistency), config.fleet.batch);
  return {
    stage,
    checks,
    /** What the scan summary says of the model stage. */
    description: { name, checksSource },
    async close() {
      await stage.drain();
      await model.close();
    },
  };
}
