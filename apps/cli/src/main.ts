import { ConfigError } from '@advscreen/config';
import { CalibrationSampleError } from '@advscreen/detection';
import { ModelChecksMismatchError } from '@advscreen/inference';
import { runAttackCommand } from './commands/attack.ts';
import { runCalibrateCommand } from './commands/calibrate.ts';
import { runCalibrateModelCommand } from './commands/calibrate-model.ts';
import { runEnqueueCommand } from './commands/enqueue.ts';
import { runReportCommand } from './commands/report.ts';
import { runRetryFailedCommand } from './commands/retry-failed.ts';
import { runScanCommand } from './commands/scan.ts';
import { runTrainDetectorCommand } from './commands/train-detector.ts';
import { runWorkerCommand } from './commands/worker.ts';
import { UsageError } from './usage-error.ts';

const USAGE = `advscreen: screen images for adversarial perturbations

Usage:
  advscreen scan <folder | s3://bucket/prefix> [--out verdicts.jsonl] [--quarantine <folder | s3://bucket/prefix>]
                 [--calibration calibration.json] [--detector-model model.json] [--baseline]
                 [--model spec.json | --model default] [--model-checks checks.json] [--no-consistency]
                 [--threshold N] [--concurrency N] [--json]
  advscreen calibrate <folder | s3://bucket/prefix of clean images> --out calibration.json [--target-fpr 0.01]
                 [--group-pattern REGEX] [--detector-model model.json]
  advscreen calibrate-model <folder | s3://bucket/prefix of clean images> --out checks.json [--model spec.json]
                 [--target-fpr 0.01] [--squeezers jpeg50,median2x2] [--confidence-exceedance 0.001]
                 [--margin-exceedance 0.002] [--calibration calibration.json] [--detector-model model.json]
                 [--group-pattern REGEX]
  advscreen train-detector --manifest manifest.jsonl --out model.json [--l2 0.01] [--folds 5] [--target-fpr 0.01]
                 [--jpeg-reencode 70,75,80,85,90,95,96,98,100 | none] [--jpeg-chroma 4:2:0,4:4:4,4:2:2]
                 [--webp-reencode 70,80,90,95 | none] [--avif-reencode 40,55,70,85 | none] [--avif-effort 2]
                 [--train-only attacks.jsonl] [--balance-attacks]
  advscreen worker ingest|detector|inference|monitor
  advscreen enqueue s3://bucket/prefix
  advscreen report [--days 7] [--json]
  advscreen retry-failed [--queue ingest|detect|infer|events|alerts ...]
  advscreen attack square --manifest manifest.jsonl --out DIR [--eps 4/255,8/255] [--queries 1000] [--seed 1]
  advscreen attack fgsm|pgd --manifest manifest.jsonl --out DIR [--eps 4/255,8/255] [--steps 10] [--seed 1] [--on logits|probabilities] [--grey-axis] [--keep-flat] [--through-jpeg 50] [--through-shift 2]
  advscreen attack cw --manifest manifest.jsonl --out DIR [--c 1] [--steps 100]
  advscreen attack deepfool --manifest manifest.jsonl --out DIR [--overshoot 0.02] [--steps 50] [--on logits|probabilities] [--rounded]

Environment: see README.md (ADVSCREEN_* variables, AWS credentials).`;

/** node:util parseArgs's complaints (unknown option, missing value, stray argument): the user's mistake, not a crash. */
const isArgumentError = (error: unknown): error is Error =>
  error instanceof Error && String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS_');

/** Runs one command and returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    switch (command) {
      case 'scan':
        return await runScanCommand(rest);
      case 'calibrate':
        return await runCalibrateCommand(rest);
      case 'calibrate-model':
        return await runCalibrateModelCommand(rest);
      case 'train-detector':
        return await runTrainDetectorCommand(rest);
      case 'worker':
        return await runWorkerCommand(rest);
      case 'enqueue':
        return await runEnqueueCommand(rest);
      case 'report':
        return await runReportCommand(rest);
      case 'retry-failed':
        return await runRetryFailedCommand(rest);
      case 'attack':
        return await runAttackCommand(rest);
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        process.stdout.write(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof ConfigError ||
      error instanceof ModelChecksMismatchError ||
      error instanceof CalibrationSampleError ||
      isArgumentError(error)
    ) {
      process.stderr.write(`advscreen: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    // The message says what failed (Redis unreachable, a file missing); the stack only where.
    const debug = /^(debug|trace)$/.test(process.env.ADVSCREEN_LOG_LEVEL ?? '');
    const said =
      error instanceof Error ? (debug ? (error.stack ?? error.message) : error.message) : String(error);
    process.stderr.write(`advscreen: ${said}${debug ? '' : ' (ADVSCREEN_LOG_LEVEL=debug adds where)'}\n`);
    return 1;
  }
}
