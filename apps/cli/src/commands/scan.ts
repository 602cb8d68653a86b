import { parseArgs } from 'node:util';
import { type AdvscreenConfig, loadConfig } from '@advscreen/config';
import { attributeSource, UNATTRIBUTED } from '@advscreen/fleet';
import { createLogger } from '@advscreen/observability';
import { createVerdictFileWriter, ownOutputKeys, SIDECAR_SUFFIX, scanLocation } from '@advscreen/pipeline';
import { createMemoryQueryHistoryStore, createQueryHistory } from '@advscreen/query-history';
import { createS3Client } from '@advscreen/storage';
import { checkedLocation, sourceLocation } from '../locations.ts';
import { openScanModelStage } from '../model-options.ts';
import { ProgressBar } from '../progress-bar.ts';
import { formatScanSummaryText, toScanReport } from '../scan-report.ts';
import { chooseScorer, SCORER_OPTIONS } from '../scorer-options.ts';
import { UsageError } from '../usage-error.ts';

/** The most images a scan holds in flight: each holds its bytes and pixels. */
const MAX_SCAN_CONCURRENCY = 256;

function concurrencyOf(value: string | undefined): number {
  if (value === undefined) return 4;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1 || parsed > MAX_SCAN_CONCURRENCY)
    throw new UsageError(
      `--concurrency takes a whole number from 1 to ${MAX_SCAN_CONCURRENCY} (images in flight), got ${value}`,
    );
  return parsed;
}

/**
 * With senders named by their keys (ADVSCREEN_SOURCE_KEY_PATTERN), the scan keeps each one's
 * query history in memory, as the detector role does in Redis.
 */
function senderQueryHistory(fleet: AdvscreenConfig['fleet']) {
  const pattern = fleet.sourceKeyPattern;
  if (!pattern || !fleet.queryHistory) return undefined;
  return {
    history: createQueryHistory(createMemoryQueryHistoryStore(fleet.queryHistory), fleet.queryHistory),
    senderOf: (key: string) => {
      const sender = attributeSource(key, {}, { metadataKey: fleet.sourceMetadataKey, keyPattern: pattern });
      return sender === UNATTRIBUTED ? null : sender;
    },
  };
}

/** `advscreen scan`: wiring only; the work is in @advscreen/pipeline. */
export async function runScanCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      quarantine: { type: 'string' },
      ...SCORER_OPTIONS,
      model: { type: 'string' },
      'model-checks': { type: 'string' },
      'no-consistency': { type: 'boolean', default: false },
      concurrency: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new UsageError('scan takes exactly one folder or s3://bucket/prefix');
  if (!values.model && (values['model-checks'] || values['no-consistency']))
    throw new UsageError(
      '--model-checks and --no-consistency are for the model stage: add --model default or --model spec.json',
    );
  const config = loadConfig();
  const concurrency = concurrencyOf(values.concurrency);
  // `--out -` puts the verdict lines on standard output, and the summary on standard error.
  const verdictsToStdout = values.out === '-';
  const summaryStream = verdictsToStdout ? process.stderr : process.stdout;
  const jsonOutput = values.json || !summaryStream.isTTY;
  const logger = createLogger({ name: 'advscreen-scan', level: config.logLevel });

  let s3Client: ReturnType<typeof createS3Client> | undefined;
  const getS3Client = () => {
    s3Client ??= createS3Client(config.s3);
    return s3Client;
  };
  const source = await sourceLocation(positionals[0] as string, getS3Client);
  const quarantine = values.quarantine ? await checkedLocation(values.quarantine, getS3Client) : undefined;
  const { scorer, thresholdSource } = chooseScorer(values, config.fleet);
  const writer = values.out ? await createVerdictFileWriter(values.out) : null;
  const progress = !jsonOutput && process.stderr.isTTY ? new ProgressBar(process.stderr) : null;

  const model = values.model ? await openScanModelStage(config, values, scorer.name) : undefined;
  const queryHistory = senderQueryHistory(config.fleet);
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    logger.debug({ source: source.uri, quarantine: quarantine?.uri, detector: scorer.name }, 'scan started');
    const summary = await scanLocation({
      source,
      scorer,
      limits: config.decode,
      quarantine,
      exclude: ownOutputKeys(
        { location: source.store.location, prefix: source.prefix },
        {
          verdictsFile: verdictsToStdout ? undefined : values.out,
          quarantine: quarantine && { location: quarantine.store.location, prefix: quarantine.prefix },
          sidecarSuffix: SIDECAR_SUFFIX,
        },
      ),
      model: model?.stage,
      queryHistory,
      concurrency: model ? Math.max(concurrency, config.fleet.batch.maxBatch) : concurrency,
      signal: abort.signal,
      onListed: (total) => progress?.setTotal(total),
      onRecord: async (record) => {
        if (record.verdict === 'rejected')
          logger.debug({ key: record.key, reason: record.reason }, record.detail);
        await writer?.write(record);
        progress?.tick();
      },
    });
    progress?.finish();
    await writer?.close();
    const report = toScanReport(summary, {
      source: source.uri,
      out: values.out ?? null,
      detector: scorer.name,
      threshold: scorer.threshold,
      thresholdSource,
      model: model?.description ?? null,
      quarantine: quarantine?.uri ?? null,
      queryHistory: queryHistory !== undefined,
    });
    summaryStream.write(jsonOutput ? `${JSON.stringify(report)}\n` : formatScanSummaryText(report));
    if (summary.aborted) return 130;
    // Every verdict is written, but flagged images are not where --quarantine was to put them.
    if (summary.quarantineFailures > 0) {
      process.stderr.write(
        `advscreen: ${summary.quarantineFailures} of ${summary.counts.adversarial} quarantine copies failed (each verdict's detail says why)\n`,
      );
      return 1;
    }
    return 0;
  } catch (error) {
    // The reader of `--out -` went away (`| head`): stop as a pipeline's writer does, quietly.
    if (verdictsToStdout && (error as NodeJS.ErrnoException).code === 'EPIPE') return 141;
    throw error;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await model?.close();
    s3Client?.destroy();
    logger.flush();
  }
}
