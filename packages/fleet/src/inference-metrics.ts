import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * One inference process's own metrics, for tuning the micro-batcher and sizing GPU hosts: how
 * full its batches run and how long each takes, with Node's process metrics (CPU, memory, event
 * loop lag, GC). Per process, unlike the monitor's fleet-wide counts from Redis: scrape every
 * inference host (in Kubernetes, each pod).
 */
export function createInferenceMetrics(maxBatch: number) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
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
