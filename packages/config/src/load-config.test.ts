import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './load-config.ts';

describe('loadConfig', () => {
  it('applies defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config.decode).toEqual({
      maxBytes: 52428800,
      maxPixels: 100000000,
      timeoutMs: 10000,
      analysisSize: 224,
      acceptedFormats: ['jpeg', 'png', 'webp', 'avif', 'tiff', 'gif'],
    });
    expect(config.s3).toEqual({
      endpoint: undefined,
      region: 'us-east-1',
      forcePathStyle: false,
      timeoutMs: 60_000,
    });
  });

  it('parses numbers and booleans from strings', () => {
    const config = loadConfig({
      ADVSCREEN_MAX_BYTES: '1024',
      ADVSCREEN_S3_FORCE_PATH_STYLE: 'true',
      ADVSCREEN_S3_ENDPOINT: 'http://127.0.0.1:9000',
      AWS_REGION: 'eu-west-1',
    });
    expect(config.decode.maxBytes).toBe(1024);
    expect(config.s3).toEqual({
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-west-1',
      forcePathStyle: true,
      timeoutMs: 60_000,
    });
  });

  it('accepts every screened format by default, the named ones when ADVSCREEN_ACCEPTED_FORMATS is set', () => {
    expect(loadConfig({ ADVSCREEN_ACCEPTED_FORMATS: ' JPEG, png,jpeg ' }).decode.acceptedFormats).toEqual([
      'jpeg',
      'png',
    ]);
    expect(() => loadConfig({ ADVSCREEN_ACCEPTED_FORMATS: 'jpeg,heic' })).toThrow(
      /ADVSCREEN_ACCEPTED_FORMATS/,
    );
    expect(() => loadConfig({ ADVSCREEN_ACCEPTED_FORMATS: 'svg' })).toThrow(/ADVSCREEN_ACCEPTED_FORMATS/);
    expect(() => loadConfig({ ADVSCREEN_ACCEPTED_FORMATS: ' , ' })).toThrow(/at least one format/);
  });

  it('takes S3 locations (poll, results, quarantine) only as s3://bucket[/prefix], parsed at start-up', () => {
    expect(loadConfig({}).fleet.poll).toEqual([]);
    expect(loadConfig({ ADVSCREEN_POLL: ' s3://uploads/incoming/ , s3://other ,' }).fleet.poll).toEqual([
      { bucket: 'uploads', prefix: 'incoming/' },
      { bucket: 'other', prefix: '' },
    ]);
    expect(() => loadConfig({ ADVSCREEN_POLL: 's3://uploads/a,photos/b' })).toThrow(/ADVSCREEN_POLL/);
    expect(() => loadConfig({ ADVSCREEN_RESULTS: 's3:///outcomes' })).toThrow(/ADVSCREEN_RESULTS/);
    expect(() => loadConfig({ ADVSCREEN_QUARANTINE: 'quarantine/held' })).toThrow(/ADVSCREEN_QUARANTINE/);
    expect(loadConfig({ ADVSCREEN_RESULTS: 's3://results/outcomes' }).fleet.results).toEqual({
      bucket: 'results',
      prefix: 'outcomes',
    });
  });

  it('refuses quarantine copies and outcome records at one location', () => {
    for (const [results, quarantine] of [
      ['s3://fleet/out', 's3://fleet/out'],
      ['s3://fleet/out', 's3://fleet/out/'],
      ['s3://fleet', 's3://fleet/'],
    ])
      expect(() => loadConfig({ ADVSCREEN_RESULTS: results, ADVSCREEN_QUARANTINE: quarantine })).toThrow(
        /ADVSCREEN_QUARANTINE: must differ from ADVSCREEN_RESULTS/,
      );
    expect(() =>
      loadConfig({ ADVSCREEN_RESULTS: 's3://fleet/results', ADVSCREEN_QUARANTINE: 's3://fleet/held' }),
    ).not.toThrow();
  });

  it('bounds the threads, jobs and batch sizes a process takes on', () => {
    for (const [name, most] of [
      ['ADVSCREEN_DETECTOR_CONCURRENCY', 256],
      ['ADVSCREEN_INFERENCE_CONCURRENCY', 4096],
      ['ADVSCREEN_BATCH_MAX', 256],
    ] as const) {
      expect(() => loadConfig({ [name]: String(most) }), name).not.toThrow();
      expect(() => loadConfig({ [name]: String(most + 1) }), name).toThrow(name);
    }
  });

  it('logs queue depths for CloudWatch only when asked, every 1 to 3600 seconds', () => {
    expect(loadConfig({}).fleet.cloudwatchMetricsSeconds).toBeUndefined();
    expect(loadConfig({ ADVSCREEN_CLOUDWATCH_METRICS_S: '60' }).fleet.cloudwatchMetricsSeconds).toBe(60);
    expect(() => loadConfig({ ADVSCREEN_CLOUDWATCH_METRICS_S: '0' })).toThrow(
      /ADVSCREEN_CLOUDWATCH_METRICS_S/,
    );
  });

  it('times S3 requests out after 60 s of silence by default, 1 to 3600 s when set', () => {
    expect(loadConfig({}).s3.timeoutMs).toBe(60_000);
    expect(loadConfig({ ADVSCREEN_S3_TIMEOUT_S: '5' }).s3.timeoutMs).toBe(5000);
    expect(() => loadConfig({ ADVSCREEN_S3_TIMEOUT_S: '0' })).toThrow(/ADVSCREEN_S3_TIMEOUT_S/);
  });

  it('gives per-source metric series to 20 sources by default, 0 to 1000 when set', () => {
    expect(loadConfig({}).fleet.metricsSources).toBe(20);
    expect(loadConfig({ ADVSCREEN_METRICS_SOURCES: '0' }).fleet.metricsSources).toBe(0);
    expect(() => loadConfig({ ADVSCREEN_METRICS_SOURCES: '1001' })).toThrow(/ADVSCREEN_METRICS_SOURCES/);
  });

  it('takes the false-positive rate alerts allow for as a share below 1, 2% by default', () => {
    expect(loadConfig({}).fleet.alert.expectedFpr).toBe(0.02);
    expect(loadConfig({ ADVSCREEN_ALERT_EXPECTED_FPR: '0' }).fleet.alert.expectedFpr).toBe(0);
    expect(() => loadConfig({ ADVSCREEN_ALERT_EXPECTED_FPR: '2' })).toThrow(/ADVSCREEN_ALERT_EXPECTED_FPR/);
  });

  it('reuses detector verdicts for 7 days by default, 0 to 365 days when set', () => {
    expect(loadConfig({}).fleet.detectionCacheDays).toBe(7);
    expect(loadConfig({ ADVSCREEN_DETECTION_CACHE_DAYS: '0' }).fleet.detectionCacheDays).toBe(0);
    expect(loadConfig({ ADVSCREEN_DETECTION_CACHE_DAYS: '0.5' }).fleet.detectionCacheDays).toBe(0.5);
    expect(() => loadConfig({ ADVSCREEN_DETECTION_CACHE_DAYS: '-1' })).toThrow(
      /ADVSCREEN_DETECTION_CACHE_DAYS/,
    );
  });

  it('turns the per-source query history on by default, off with ADVSCREEN_QUERY_HISTORY=false', () => {
    expect(loadConfig({}).fleet.queryHistory).toEqual({
      radius: 3,
      neighbours: 5,
      size: 256,
      windowMs: 3_600_000,
    });
    expect(
      loadConfig({ ADVSCREEN_QUERY_NEIGHBOURS: '8', ADVSCREEN_QUERY_HISTORY_MINUTES: '10' }).fleet
        .queryHistory,
    ).toMatchObject({ neighbours: 8, windowMs: 600_000 });
    expect(loadConfig({ ADVSCREEN_QUERY_HISTORY: 'false' }).fleet.queryHistory).toBeNull();
    expect(() => loadConfig({ ADVSCREEN_QUERY_RADIUS: '0' })).toThrow(/ADVSCREEN_QUERY_RADIUS/);
    expect(() => loadConfig({ ADVSCREEN_QUERY_HISTORY_SIZE: '20000' })).toThrow(
      /ADVSCREEN_QUERY_HISTORY_SIZE/,
    );
  });

  it('takes the execution providers onnxruntime-node ships and no others', () => {
    expect(loadConfig({}).fleet.executionProvider).toBe('cpu');
    expect(loadConfig({ ADVSCREEN_EXECUTION_PROVIDER: 'webgpu' }).fleet.executionProvider).toBe('webgpu');
    expect(loadConfig({ ADVSCREEN_EXECUTION_PROVIDER: 'cuda' }).fleet.executionProvider).toBe('cuda');
    expect(() => loadConfig({ ADVSCREEN_EXECUTION_PROVIDER: 'rocm' })).toThrow(
      /ADVSCREEN_EXECUTION_PROVIDER.*"rocm"/,
    );
  });

  it('names every invalid variable and the value it got', () => {
    const attempt = () => loadConfig({ ADVSCREEN_MAX_BYTES: 'lots', ADVSCREEN_LOG_LEVEL: 'loud' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/ADVSCREEN_MAX_BYTES.*"lots"/);
    expect(attempt).toThrow(/ADVSCREEN_LOG_LEVEL.*"loud"/);
  });
});
