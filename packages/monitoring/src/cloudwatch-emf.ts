/** Namespace of the queue metrics in CloudWatch. */
export const CLOUDWATCH_NAMESPACE = 'advscreen';

const METRICS = [
  ['waiting', 'WaitingJobs'],
  ['active', 'ActiveJobs'],
  ['delayed', 'DelayedJobs'],
  ['failed', 'FailedJobs'],
] as const;

/** One log line CloudWatch Logs turns into metrics (the embedded metric format, EMF). */
export interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: 'Count' }[];
    }[];
  };
  Queue: string;
  [metric: string]: unknown;
}

/**
 * Queue depths as EMF documents, one per queue (a dimension value is a root member, so each
 * queue needs its own line): metrics `WaitingJobs`, `ActiveJobs`, `DelayedJobs`, `FailedJobs`
 * with dimension `Queue`. Written to a log stream CloudWatch Logs receives (the CloudWatch agent
 * on EC2, awslogs on ECS), they become metrics an EC2 Auto Scaling policy can track without an
 * SDK call or a scraper (deploy/aws/).
 */
export function queueDepthEmf(
  queues: Record<string, Record<string, number>>,
  timestampMs: number,
): EmfDocument[] {
  return Object.entries(queues)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([queue, counts]) => {
      const present = METRICS.filter(([state]) => Number.isFinite(counts[state]));
      return {
        _aws: {
          Timestamp: timestampMs,
          CloudWatchMetrics: [
            {
              Namespace: CLOUDWATCH_NAMESPACE,
              Dimensions: [['Queue']],
              Metrics: present.map(([, name]) => ({ Name: name, Unit: 'Count' as const })),
            },
          ],
        },
        Queue: queue,
        ...Object.fromEntries(present.map(([state, name]) => [name, counts[state]])),
      };
    });
}
