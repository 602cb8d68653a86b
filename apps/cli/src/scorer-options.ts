import {
  BUNDLED_DETECTOR_PATH,
  createArticleBaselineScorer,
  createResidualScorer,
  loadCalibration,
  loadDetectorModel,
  type Scorer,
} from '@advscreen/detection';
import { UsageError } from './usage-error.ts';

export const SCORER_OPTIONS = {
  'detector-model': { type: 'string' },
  calibration: { type: 'string' },
  baseline: { type: 'boolean', default: false },
  threshold: { type: 'string' },
} as const;

export interface ScorerChoice {
  scorer: Scorer;
  /** Where the threshold came from, for the summary. */
  thresholdSource: string;
}

/**
 * Builds the scorer a command asked for: the bundled detector unless told otherwise. Without the
 * options, the detector role's settings (ADVSCREEN_DETECTOR_MODEL, ADVSCREEN_CALIBRATION) apply,
 * so that the CLI and the fleet agree once they are set.
 */
export function chooseScorer(
  options: {
    'detector-model'?: string | undefined;
    calibration?: string | undefined;
    baseline?: boolean | undefined;
    threshold?: string | undefined;
  },
  settings: { detectorModel: string | undefined; calibration: string | undefined },
): ScorerChoice {
  const values = options.baseline
    ? options
    : {
        ...options,
        'detector-model': options['detector-model'] ?? settings.detectorModel,
        calibration: options.calibration ?? settings.calibration,
      };
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  if (threshold !== undefined && !Number.isFinite(threshold)) {
    throw new UsageError(`--threshold must be a number, got ${values.threshold}`);
  }
  if (values.baseline) {
    if (values['detector-model'] || values.calibration) {
      throw new UsageError('--baseline takes no --detector-model or --calibration');
    }
    const scorer = createArticleBaselineScorer(threshold);
    return {
      scorer,
      thresholdSource: threshold === undefined ? 'the article baseline (0.15, never fitted)' : '--threshold',
    };
  }
  const model = loadDetectorModel(values['detector-model'] ?? BUNDLED_DETECTOR_PATH);
  const calibration = values.calibration ? loadCalibration(values.calibration) : undefined;
  const scorer = createResidualScorer(model, calibration);
  if (threshold !== undefined)
    return { scorer: { ...scorer, threshold, score: scorer.score }, thresholdSource: '--threshold' };
  return {
    scorer,
    thresholdSource: calibration
      ? `calibration ${values.calibration} (target FPR ${calibration.targetFpr})`
      : `the detector's default (target FPR ${model.targetFpr} on its training photos; run advscreen calibrate on your own clean images)`,
  };
}
