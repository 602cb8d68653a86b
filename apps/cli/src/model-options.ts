import type { AdvscreenConfig } from '@advscreen/config';
import { BUNDLED_MODEL_SPEC, loadModelSpec, openModelStage } from '@advscreen/inference';

/**
 * Opens the main model and its checks for the embedded cascade: the spec given (or the bundled
 * one for `--model default`), its checks file unless another is named.
 */
export async function openScanModelStage(
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
  const opened = await openModelStage({
    spec,
    checksPath: values['model-checks'] ?? config.fleet.modelChecks,
    detector,
    provider: config.fleet.executionProvider,
    consistency: !values['no-consistency'] && config.fleet.consistencyCheck,
    batching: config.fleet.batch,
  });
  return {
    ...opened,
    /** What the scan summary says of the model stage. */
    description: { name: opened.stage.modelName, checksSource: opened.checksSource },
  };
}
