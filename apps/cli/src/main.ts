import { ConfigError } from '@advscreen/config';
import { InvalidInputFileError } from '@advscreen/contracts';
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
import { USAGE, usageOf } from './usage.ts';
import { UsageError } from './usage-error.ts';

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
    if (error instanceof UsageError || isArgumentError(error)) {
      process.stderr.write(`advscreen: ${error.message}\n\n${usageOf(command)}\n`);
      return 2;
    }
    // The command line was right; a setting or an input file is not: the usage would not help.
    if (
      error instanceof ConfigError ||
      error instanceof ModelChecksMismatchError ||
      error instanceof CalibrationSampleError ||
      error instanceof InvalidInputFileError
    ) {
      process.stderr.write(`advscreen: ${error.message}\n`);
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
