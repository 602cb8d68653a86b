import { Verdict } from '@advscreen/contracts';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import type { DetectSummary } from './stages/detect.ts';

/** Node's process metrics (CPU, memory, event-loop lag, GC), beside a role's own. */
function processRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * One inference process's own metrics, for tuning the micro-batcher and sizing GPU hosts: how
 * full its batches run and how long each takes, with Node's process metrics (CPU, memory, event
 * loop lag, GC). Per process, unlike the monitor's fleet-wide counts from Redis: scrape every
 * inference host (in Kubernetes, each pod).
 */
export function createInferenceMetrics(maxBatch: number) {
  const registry = processRegistry();
  const sizes = [1, 2, 4, 8, 16, 32, 64, 128, 256].filter((size) => size < maxBatch);
  const images = new Histogram({
    name: 'advscreen_inference_batch_images',
    help: 'Images per model batch (at most ADVSCREEN_BATCH_MAX).',
    buckets: [...sizes, maxBatch],
    registers: [registry],
  });
  const seconds = new Histogram({
    name: 'advscreen_inference_batch_seconds',
    help: 'Time per model batch: the model and its squeezed copies, the checks.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  return {
    observeBatch(batch: { images: number; seconds: number }): void {
      images.observe(batch.images);
      seconds.observe(batch.seconds);
    },
    render: () => registry.metrics(),
  };
}

/** The steps a detector times per screened image (`DetectSummary.timings`, as `<step>Ms`). */
const DETECTOR_STEPS = ['read', 'decode', 'score'] as const;

/**
 * One detector process's own metrics, for sizing CPU hosts and threads: its verdicts (and how
 * many reused the verdict of identical bytes), and per screened image the time to read, decode
 * and score it, with the process metrics (its worker threads' CPU included). The fleet's totals
 * come from the monitor.
 */
export function createDetectorMetrics() {
  const registry = processRegistry();
  const objects = new Counter({
    name: 'advscreen_detector_objects_total',
    help: 'Objects this detector process decided, by verdict (superseded: a newer version came); reused: the verdict of identical bytes.',
    labelNames: ['verdict', 'reused'],
    registers: [registry],
  });
  const seconds = new Histogram({
    name: 'advscreen_detector_step_seconds',
    help: 'Time per screened image, by step: read from S3, decode, score.',
    labelNames: ['step'],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  // Zero series from the start, so that rates exist before the first object of a kind.
  for (const verdict of [...Verdict.options, 'superseded'])
    for (const reused of ['false', 'true']) objects.labels(verdict, reused).inc(0);
  for (const step of DETECTOR_STEPS) seconds.zero({ step });
  return {
    observe(summary: DetectSummary): void {
      objects.labels(summary.verdict, String(summary.reused)).inc();
      const { timings } = summary;
      if (!timings) return;
      for (const step of DETECTOR_STEPS) seconds.labels(step).observe(timings[`${step}Ms`] / 1000);
    },
    render: () => registry.metrics(),
  };
}
