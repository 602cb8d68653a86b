import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadConfig } from '@advscreen/config';
import {
  BUNDLED_DETECTOR_PATH,
  type CalibrationFile,
  type CalibrationSample,
  calibrateThreshold,
  createResidualScorer,
  loadDetectorModel,
  scoredBranch,
} from '@advscreen/detection';
import { screenObject } from '@advscreen/pipeline';
import { createS3Client } from '@advscreen/storage';
import { describeGroupSplit, parseGroupPattern } from '../group-pattern.ts';
import { sourceLocation } from '../locations.ts';
import { UsageError } from '../usage-error.ts';

/**
 * `advscreen calibrate <clean images> --target-fpr 0.01 --out calibration.json`: sets the
 * detector's threshold on the user's own clean traffic and reports the false-positive rate
 * to expect, measured on a held-out part of that sample.
 */
export async function runCalibrateCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      'target-fpr': { type: 'string', default: '0.01' },
      'detector-model': { type: 'string' },
      'group-pattern': { type: 'string' },
    },
  });
  if (positionals.length !== 1 || !values.out) {
    throw new UsageError('calibrate takes one folder or s3://bucket/prefix of clean images and --out FILE');
  }
  const targetFpr = Number(values['target-fpr']);
  if (!(targetFpr > 0 && targetFpr < 1)) throw new UsageError('--target-fpr must be in (0, 1)');
  const groupOf = parseGroupPattern(values['group-pattern']);
  const config = loadConfig();
  const model = loadDetectorModel(
    values['detector-model'] ?? config.fleet.detectorModel ?? BUNDLED_DETECTOR_PATH,
  );
  const scorer = createResidualScorer(model);
  const s3 = { client: undefined as ReturnType<typeof createS3Client> | undefined };
  const source = await sourceLocation(positionals[0] as string, () => {
    s3.client ??= createS3Client(config.s3);
    return s3.client;
  });
  try {
    const samples: CalibrationSample[] = [];
    let rejected = 0;
    for await (const object of source.store.list(source.prefix)) {
      const { record } = await screenObject(
        { store: source.store, scorer, limits: config.decode },
        object.key,
      );
      if (record.score === null) rejected++;
      else
        samples.push({
          key: record.key,
          score: record.score,
          branch: scoredBranch(record.signals),
          group: groupOf(record.key),
        });
    }
    const fit = calibrateThreshold(samples, targetFpr);
    const calibration: CalibrationFile = {
      format: 'advscreen-calibration',
      detector: scorer.name,
      threshold: fit.threshold,
      targetFpr,
      expectedFpr: fit.expectedFpr,
      sample: { location: source.uri, images: samples.length, fitted: fit.fitted, rejected },
      createdAt: new Date().toISOString(),
    };
    await writeFile(values.out, `${JSON.stringify(calibration, null, 2)}\n`);
    const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
    const branchLines = Object.entries(fit.byBranch)
      .map(
        ([branch, { images, expectedFpr }]) =>
          `  ${branch} (${images} images): ${pct(expectedFpr.estimate)} of ${expectedFpr.heldOut} held out\n`,
      )
      .join('');
    process.stdout.write(
      `Calibrated ${scorer.name} on ${samples.length} clean images from ${source.uri} (${rejected} rejected, not used).\n` +
        `Threshold ${fit.threshold.toFixed(4)} (target FPR ${pct(targetFpr)}, fitted on ${fit.fitted} images).\n` +
        `Expected FPR on the ${fit.expectedFpr.heldOut} held-out images${describeGroupSplit(samples)}: ${pct(fit.expectedFpr.estimate)} ` +
        `(95% interval ${pct(fit.expectedFpr.low)} to ${pct(fit.expectedFpr.high)}); by the detector's model:\n` +
        branchLines +
        'The rate holds for this mix of inputs; recalibrate when it changes.\n' +
        (fit.warning ? `Warning: ${fit.warning}.\n` : '') +
        `Written to ${values.out}; pass it to scan and the detector worker with --calibration.\n`,
    );
    return 0;
  } finally {
    s3.client?.destroy();
  }
}
