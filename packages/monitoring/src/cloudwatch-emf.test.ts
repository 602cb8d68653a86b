import { describe, expect, it } from 'vitest';
import { queueDepthEmf } from './cloudwatch-emf.ts';

describe('queueDepthEmf', () => {
  it('writes one embedded-metric-format document per queue, every named metric a root member', () => {
    const documents = queueDepthEmf(
      {
        'advscreen-infer': { waiting: 1200, active: 16, delayed: 0, failed: 3 },
        'advscreen-detect': { waiting: 40, active: 4 },
      },
      1_764_000_000_000,
    );
    expect(documents.map((d) => d.Queue)).toEqual(['advscreen-detect', 'advscreen-infer']);
    const infer = documents[1];
    expect(infer).toMatchObject({ WaitingJobs: 1200, ActiveJobs: 16, DelayedJobs: 0, FailedJobs: 3 });
    expect(infer?._aws.Timestamp).toBe(1_764_000_000_000);
    // What CloudWatch requires of each directive: its dimensions and metrics are members of the root.
    for (const document of documents) {
      for (const directive of document._aws.CloudWatchMetrics) {
        expect(directive.Namespace).toBe('advscreen');
        for (const dimension of directive.Dimensions.flat()) expect(document[dimension]).toBeTypeOf('string');
        for (const metric of directive.Metrics) expect(document[metric.Name]).toBeTypeOf('number');
      }
    }
    // States a queue did not report are left out, not written as zero.
    expect(documents[0]?._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name)).toEqual([
      'WaitingJobs',
      'ActiveJobs',
    ]);
    expect(JSON.parse(JSON.stringify(documents))).toEqual(documents);
  });
});
