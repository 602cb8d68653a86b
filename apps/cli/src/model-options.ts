import type { AdvscreenConfig } from '@advscreen/config';
import {
  BUNDLED_MODEL_SPEC,
  createModelStage,
  createOnnxModel,
  inspectionSettings,
  loadChecksFor,
  loadModelSpec,
} from '@advscreen/inference';

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
  /** `<id>@<version>` of the detector in front of the model. */
  detector: string,
) {
  const spec = loadModelSpec(
    values.model === 'default' || values.model === undefined ? BUNDLED_MODEL_SPEC : values.model,
  );
  const name = `${spec.id}@${spec.version}`;
  const { checks, source: checksSource } = loadChecksFor(
    spec,
    values['model-checks'] ?? config.fleet.modelChecks,
    detector,
  );
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
