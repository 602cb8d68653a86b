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
  const model = await createOnnxModel(spec, config.fleet.executionProvider);
  const consistency = !values['no-consistency'] && config.fleet.consistencyCheck;
  const stage = createModelStage(model, inspectionSettings(checks, consistency), config.fleet.batch);
  return {
    stage,
    checks,
    async close() {
      await stage.drain();
      await model.close();
    },
  };
}
