import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '@advscreen/config';
import { createFleetQueues, type RunningRole, startRole } from '@advscreen/fleet';
import { DailyStats } from '@advscreen/monitoring';
import { createLogger } from '@advscreen/observability';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './support/cli.ts';
import { startWebhookReceiver, waitFor } from './support/fleet.ts';
import { amtool, prometheusBinary, promtool } from './support/prometheus.ts';
import { testS3Environment } from './support/s3.ts';
import { freePort } from './support/servers.ts';

const RULES = path.join(REPO_ROOT, 'deploy/prometheus/advscreen-rules.yml');

/** A database of its own: the monitor reads the default key prefix. */
const redisUrl = () => `${inject('redis').url}/9`;
let monitor: RunningRole;
let inference: RunningRole;
let detector: RunningRole;
let prometheus: ChildProcess;
let prometheusUrl: string;

/** One instant vector from Prometheus' HTTP API, as label sets and values. */
async function query(expression: string): Promise<{ metric: Record<string, string>; value: number }[]> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expression)}`);
  const body = (await response.json()) as {
    status: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  expect(body.status).toBe('success');
  return body.data.result.map(({ metric, value }) => ({ metric, value: Number(value[1]) }));
}

beforeAll(async () => {
  const redis = new Redis(redisUrl());
  await redis.flushdb();
  // Today's verdicts from 25 senders: an attacker, a sender of broken files, a busy camera and
  // 22 users with a clean upload each.
  const stats = new DailyStats(redis);
  const now = Date.now();
  let id = 0;
  const count = (source: string, verdict: string, times: number) =>
    Promise.all(
      Array.from({ length: times }, () => stats.count({ id: `e${id++}`, atMs: now, source, verdict })),
    );
  await count('bot-7', 'adversarial', 6);
  await count('bot-7', 'clean', 2);
  await count('uploader "x"', 'rejected', 3);
  await count('camera-1', 'clean', 9);
  for (let sender = 0; sender < 22; sender++) await count(`user-${sender}`, 'clean', 1);
  redis.disconnect();
  // Two ingest jobs nobody takes: waiting in the queue the autoscaler watches.
  const queueConnection = new Redis(redisUrl(), { maxRetriesPerRequest: null });
  const queues = createFleetQueues(queueConnection);
  for (const key of ['waiting-1.png', 'waiting-2.png']) {
    await queues.ingest.add('ingest', {
      v: 1,
      object: { bucket: 'uploads', key, etag: null },
      via: 'enqueue',
      receivedAt: new Date().toISOString(),
    });
  }
  await queues.close();
  queueConnection.disconnect();

  const config = loadConfig({
    ...testS3Environment(),
    ADVSCREEN_REDIS_URL: redisUrl(),
    ADVSCREEN_RESULTS: 's3://unused/outcomes',
    ADVSCREEN_QUARANTINE: 's3://unused/held',
    ADVSCREEN_METRICS_PORT: '0',
    ADVSCREEN_METRICS_SOURCES: '3',
    ADVSCREEN_INFERENCE_METRICS_PORT: '0',
    ADVSCREEN_DETECTOR_METRICS_PORT: '0',
    ADVSCREEN_DETECTOR_CONCURRENCY: '1',
  });
  const logger = createLogger({ name: 'prometheus-test', level: 'silent' });
  monitor = await startRole('monitor', config, logger);
  inference = await startRole('inference', config, logger);
  detector = await startRole('detector', config, logger);

  const folder = await mkdtemp(path.join(tmpdir(), 'prometheus-'));
  const configFile = path.join(folder, 'prometheus.yml');
  await writeFile(
    configFile,
    [
      'global: { scrape_interval: 1s, evaluation_interval: 1s }',
      `rule_files: ['${RULES}']`,
      'scrape_configs:',
      '  - job_name: advscreen',
      `    static_configs: [{ targets: ['127.0.0.1:${monitor.port}'] }]`,
      '  - job_name: advscreen-inference',
      `    static_configs: [{ targets: ['127.0.0.1:${inference.port}'] }]`,
      '  - job_name: advscreen-detector',
      `    static_configs: [{ targets: ['127.0.0.1:${detector.port}'] }]`,
      '',
    ].join('\n'),
  );
  const webPort = await freePort();
  prometheusUrl = `http://127.0.0.1:${webPort}`;
  prometheus = spawn(
    prometheusBinary('prometheus'),
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(folder, 'data')}`,
      `--web.listen-address=127.0.0.1:${webPort}`,
    ],
    { stdio: 'ignore' },
  );
  let startFailure: Error | undefined;
  prometheus.once('error', (error) => {
    startFailure = error;
  });
  await waitFor(
    'a first successful scrape',
    async () => {
      if (startFailure)
        throw new Error(
          `cannot start prometheus (npm test fetches Debian's; or put one on PATH): ${startFailure.message}`,
        );
      try {
        const up = await query('up');
        return up.length === 3 && up.every(({ value }) => value === 1) ? true : null;
      } catch {
        return null;
      }
    },
    30_000,
  );
});

afterAll(async () => {
  if (prometheus && prometheus.exitCode === null) {
    prometheus.kill('SIGTERM');
    await once(prometheus, 'exit');
  }
  await monitor?.close();
  await inference?.close();
  await detector?.close();
});

describe("the monitor's, the inference role's and a detector's metrics, scraped by a real Prometheus", () => {
  it('passes promtool’s exposition-format check', async () => {
    const body = await (await fetch(`http://127.0.0.1:${monitor.port}/metrics`)).text();
    expect(await promtool(['check', 'metrics'], body)).toEqual({ code: 0, output: '' });
    // The endpoint itself, as the scrape found it.
    const [up] = await query('up{job="advscreen"}');
    expect(up?.value).toBe(1);
  });

  it('reports totals once, per-source counts for the leading sources only, and the sender count', async () => {
    const totals = await query('sum by (verdict) (advscreen_verdicts_today)');
    expect(Object.fromEntries(totals.map(({ metric, value }) => [metric.verdict, value]))).toEqual({
      adversarial: 6,
      rejected: 3,
      clean: 2 + 9 + 22,
    });
    const perSource = await query('advscreen_source_verdicts_today');
    const sources = new Set(perSource.map(({ metric }) => metric.source));
    // Three sources (ADVSCREEN_METRICS_SOURCES): the two flagged ones, then the busiest clean one.
    expect(sources).toEqual(new Set(['bot-7', 'uploader "x"', 'camera-1']));
    const [attacks] = await query('advscreen_source_verdicts_today{source="bot-7",verdict="adversarial"}');
    expect(attacks?.value).toBe(6);
    const [senders] = await query('advscreen_sources_today');
    expect(senders?.value).toBe(25);
    const [waiting] = await query('advscreen_queue_jobs{queue="advscreen-ingest",state="waiting"}');
    expect(waiting?.value).toBe(2);
  });

  it('runs every panel query of the Grafana dashboard on the scraped series', async () => {
    const dashboard = JSON.parse(
      readFileSync(path.join(REPO_ROOT, 'deploy/grafana/advscreen-dashboard.json'), 'utf8'),
    ) as { panels: { title: string; targets: { expr: string }[] }[] };
    const results = new Map<string, number[]>();
    for (const { title, targets } of dashboard.panels) {
      for (const { expr } of targets) {
        // Rates need two scrapes of a series: wait for them rather than count on timing.
        const series = await waitFor(
          `${title}: ${expr}`,
          async () => {
            const found = await query(expr);
            return found.length > 0 ? found : null;
          },
          30_000,
        );
        results.set(title, [...(results.get(title) ?? []), ...series.map(({ value }) => value)]);
      }
    }
    expect(results.get('Screened today')).toEqual([42]);
    expect(results.get('Adversarial share today')?.[0]).toBeCloseTo(6 / 42, 6);
    expect(results.get('Sources today')).toEqual([25]);
    // The detector has decided nothing yet: a zero rate per verdict (superseded versions too), and
    // every step's series present.
    expect(results.get('Detector: objects per second by verdict')).toEqual([0, 0, 0, 0]);
    expect(results.get('Detector: time per image by step, 95th percentile')).toHaveLength(3);
  });

  it('evaluates the shipped alerting rules on the scraped series: the ingest queue nobody takes is stalling', async () => {
    // Before the first scrape AdvscreenMetricsAbsent is pending too; it clears once series exist.
    const alerts = await waitFor(
      'AdvscreenQueueStalled pending, AdvscreenMetricsAbsent cleared',
      async () => {
        const response = await fetch(`${prometheusUrl}/api/v1/alerts`);
        const body = (await response.json()) as {
          data: { alerts: { labels: Record<string, string>; state: string }[] };
        };
        const names = body.data.alerts.map(({ labels }) => labels.alertname);
        return names.includes('AdvscreenQueueStalled') && !names.includes('AdvscreenMetricsAbsent')
          ? body.data.alerts
          : null;
      },
      30_000,
    );
    // Two ingest jobs wait and no ingest worker runs; every other queue is empty.
    expect(alerts.map(({ labels, state }) => [labels.alertname, labels.queue, state])).toEqual([
      ['AdvscreenQueueStalled', 'advscreen-ingest', 'pending'],
    ]);
    const rules = (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as {
      data: { groups: { rules: { name: string; health: string }[] }[] };
    };
    const health = rules.data.groups.flatMap((group) => group.rules.map((rule) => [rule.name, rule.health]));
    expect(health).toEqual([
      ['AdvscreenQueueStalled', 'ok'],
      ['AdvscreenJobsFailing', 'ok'],
      ['AdvscreenMetricsAbsent', 'ok'],
    ]);
  });
});

describe('a metrics port that cannot be had', () => {
  it('stops the inference role at start-up with the reason', async () => {
    const config = loadConfig({
      ...testS3Environment(),
      ADVSCREEN_REDIS_URL: redisUrl(),
      ADVSCREEN_RESULTS: 's3://unused/outcomes',
      ADVSCREEN_QUARANTINE: 's3://unused/held',
      // The running monitor's.
      ADVSCREEN_INFERENCE_METRICS_PORT: String(monitor.port),
    });
    const logger = createLogger({ name: 'prometheus-test', level: 'silent' });
    await expect(startRole('inference', config, logger)).rejects.toThrow(/EADDRINUSE/);
  });
});

describe('deploy/prometheus', () => {
  it('passes promtool’s rule check and its unit tests', async () => {
    expect((await promtool(['check', 'rules', RULES])).code).toBe(0);
    const tests = await promtool(['test', 'rules', RULES.replace(/\.yml$/, '.test.yml')]);
    expect(tests.output).toMatch(/SUCCESS/);
    expect(tests.code).toBe(0);
  });

  it('gives the Prometheus operator the same rules and PodMonitors on the monitor, detector and inference pods', () => {
    const documents = parseAllDocuments(
      readFileSync(path.join(REPO_ROOT, 'deploy/prometheus/prometheus-operator.yaml'), 'utf8'),
    ).map((document) => document.toJS());
    const prometheusRule = documents.find((o) => o.kind === 'PrometheusRule');
    expect(prometheusRule.spec.groups).toEqual(parse(readFileSync(RULES, 'utf8')).groups);
    const kube = parseAllDocuments(
      readFileSync(path.join(REPO_ROOT, 'deploy/kubernetes/advscreen.yaml'), 'utf8'),
    ).map((document) => document.toJS());
    const deployments = kube.filter((o) => o.kind === 'Deployment');
    const sharedSettings: Record<string, string> = kube.find((o) => o.kind === 'ConfigMap').data;
    const podMonitors = documents.filter((o) => o.kind === 'PodMonitor');
    expect(podMonitors).toHaveLength(3);
    for (const [role, portSetting] of [
      ['monitor', 'ADVSCREEN_METRICS_PORT'],
      ['detector', 'ADVSCREEN_DETECTOR_METRICS_PORT'],
      ['inference', 'ADVSCREEN_INFERENCE_METRICS_PORT'],
    ] as const) {
      const pod = deployments.find((o) => o.metadata.name === role).spec.template;
      const podMonitor = podMonitors.find(
        (o) => o.spec.selector.matchLabels['app.kubernetes.io/component'] === role,
      );
      expect(pod.metadata.labels, role).toMatchObject(podMonitor.spec.selector.matchLabels);
      const [endpoint] = podMonitor.spec.podMetricsEndpoints;
      const [container] = pod.spec.containers;
      const own = (container.env ?? []).find((e: { name: string }) => e.name === portSetting)?.value;
      const port = Number(own ?? sharedSettings[portSetting]);
      expect(container.ports, role).toContainEqual({ name: endpoint.port, containerPort: port });
      expect(endpoint.path).toBe('/metrics');
    }
  });

  it('gives the compose fleet a Prometheus that loads the rules and scrapes the monitor and every detector and inference container', async () => {
    const configFile = path.join(REPO_ROOT, 'deploy/prometheus/prometheus.yml');
    const check = await promtool(['check', 'config', configFile]);
    expect(check.output).toMatch(/1 rule files found/);
    expect(check.code).toBe(0);
    const compose = parse(readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
    const scrape = parse(readFileSync(configFile, 'utf8'));
    const job = (name: string) =>
      scrape.scrape_configs.find((c: { job_name: string }) => c.job_name === name);
    const monitorPort = compose.services.monitor.environment.ADVSCREEN_METRICS_PORT;
    expect(job('advscreen').static_configs[0].targets).toEqual([`monitor:${monitorPort}`]);
    // Every detector and inference container, however many `--scale` starts.
    const detectorPort = Number(compose.services.detector.environment.ADVSCREEN_DETECTOR_METRICS_PORT);
    expect(job('advscreen-detector').dns_sd_configs).toEqual([
      { names: ['detector'], type: 'A', port: detectorPort },
    ]);
    const inferencePort = Number(compose.services.inference.environment.ADVSCREEN_INFERENCE_METRICS_PORT);
    expect(job('advscreen-inference').dns_sd_configs).toEqual([
      { names: ['inference'], type: 'A', port: inferencePort },
    ]);
    expect(compose.services.prometheus.volumes).toEqual(['./deploy/prometheus:/etc/prometheus:ro']);
  });
});

describe('Alertmanager', () => {
  const shipped = path.join(REPO_ROOT, 'deploy/prometheus/alertmanager.yml');

  it('passes amtool’s config check', async () => {
    const check = await amtool(['check-config', shipped]);
    expect(check.output).toContain('SUCCESS');
    expect(check.code).toBe(0);
  });

  it('gives the Prometheus operator the same route and Slack message, matching every advscreen alert', () => {
    const operator = parseAllDocuments(
      readFileSync(path.join(REPO_ROOT, 'deploy/prometheus/prometheus-operator.yaml'), 'utf8'),
    )
      .map((document) => document.toJS())
      .find((o) => o.kind === 'AlertmanagerConfig');
    const plain = parse(readFileSync(shipped, 'utf8'));
    const { route, receivers } = operator.spec;
    expect([route.groupBy, route.groupWait, route.groupInterval, route.repeatInterval]).toEqual([
      plain.route.group_by,
      plain.route.group_wait,
      plain.route.group_interval,
      plain.route.repeat_interval,
    ]);
    const [slack] = receivers.find((r: { name: string }) => r.name === route.receiver).slackConfigs;
    const [plainSlack] = plain.receivers.find(
      (r: { name: string }) => r.name === plain.route.receiver,
    ).slack_configs;
    expect([slack.title, slack.text, slack.sendResolved]).toEqual([
      plainSlack.title,
      plainSlack.text,
      plainSlack.send_resolved,
    ]);
    expect(slack.apiURL).toEqual({ name: 'advscreen-slack-webhook', key: 'url' });
    // Alertmanager anchors a regular-expression matcher at both ends.
    const [alertname] = route.matchers;
    expect([alertname.name, alertname.matchType]).toEqual(['alertname', '=~']);
    const alerts = parse(readFileSync(RULES, 'utf8')).groups.flatMap((g: { rules: { alert?: string }[] }) =>
      g.rules.flatMap((r) => (r.alert ? [r.alert] : [])),
    );
    expect(alerts.length).toBeGreaterThan(0);
    for (const name of alerts) expect(name).toMatch(new RegExp(`^(?:${alertname.value})$`));
  });

  it('sends a firing advscreen alert to Slack with its severity, summary and description', async () => {
    const slack = await startWebhookReceiver();
    const folder = await mkdtemp(path.join(tmpdir(), 'alertmanager-'));
    const webhookFile = path.join(folder, 'slack-webhook-url');
    await writeFile(webhookFile, slack.url);
    // The shipped file with two changes: where the webhook URL is read from, and a 1 s wait
    // before the first message of a group instead of 30 s.
    const text = readFileSync(shipped, 'utf8');
    const configured = text
      .replace('/etc/alertmanager-secrets/slack-webhook-url', webhookFile)
      .replace('group_wait: 30s', 'group_wait: 1s');
    expect(configured.includes(webhookFile) && configured.includes('group_wait: 1s')).toBe(true);
    const configFile = path.join(folder, 'alertmanager.yml');
    await writeFile(configFile, configured);
    const port = await freePort();
    const alertmanager = spawn(
      prometheusBinary('prometheus-alertmanager'),
      [
        `--config.file=${configFile}`,
        `--storage.path=${path.join(folder, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    alertmanager.stderr?.on('data', (chunk: Buffer) => {
      log += chunk;
    });
    let startFailure: Error | undefined;
    alertmanager.once('error', (error) => {
      startFailure = error;
    });
    try {
      await waitFor(
        'Alertmanager to be ready',
        async () => {
          if (startFailure)
            throw new Error(
              `cannot start prometheus-alertmanager (npm test fetches Debian's): ${startFailure.message}`,
            );
          const ready = await fetch(`http://127.0.0.1:${port}/-/ready`).catch(() => null);
          return ready?.ok ? true : null;
        },
        20_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; Alertmanager logged: ${log}`);
      });
      // As Prometheus sends the stalled-queue rule's alert once it fires (rule labels, the
      // series' queue label, the annotations rendered).
      const rule = parse(readFileSync(RULES, 'utf8')).groups[0].rules.find(
        (r: { alert?: string }) => r.alert === 'AdvscreenQueueStalled',
      );
      const posted = await fetch(`http://127.0.0.1:${port}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          {
            labels: { alertname: rule.alert, queue: 'advscreen-alerts', ...rule.labels },
            annotations: {
              summary: 'advscreen-alerts: 3 jobs waiting and none taken for 10 minutes',
              description: 'No worker is processing advscreen-alerts.',
            },
          },
        ]),
      });
      expect(posted.status).toBe(200);
      // Given up on before the test's own timeout, so that the finally below stops Alertmanager.
      const [message] = await waitFor(
        'a Slack message',
        async () => (slack.bodies.length > 0 ? slack.bodies : null),
        20_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}; Alertmanager logged: ${log}`);
      });
      const [attachment] = (message as { attachments: { title: string; text: string }[] }).attachments;
      expect(attachment?.title).toBe('[critical] advscreen: AdvscreenQueueStalled');
      expect(attachment?.text).toContain('advscreen-alerts: 3 jobs waiting and none taken for 10 minutes.');
      expect(attachment?.text).toContain('No worker is processing advscreen-alerts.');
    } finally {
      alertmanager.kill('SIGTERM');
      if (alertmanager.exitCode === null) await once(alertmanager, 'exit');
      await slack.close();
    }
  });

  it('is where the compose Prometheus sends alerts, and reads the webhook the monitor uses', async () => {
    const scrape = parse(readFileSync(path.join(REPO_ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8'));
    const compose = parse(readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true });
    const service = compose.services.alertmanager;
    expect(scrape.alerting.alertmanagers[0].static_configs[0].targets).toEqual(['alertmanager:9093']);
    expect(service.volumes).toContain('./deploy/prometheus:/etc/alertmanager:ro');
    expect(service.env_file).toEqual(compose.services.monitor.env_file);
    const entrypoint = service.entrypoint.join(' ');
    expect(entrypoint).toContain('ADVSCREEN_SLACK_WEBHOOK_URL');
    expect(entrypoint).toContain('/etc/alertmanager-secrets/slack-webhook-url');
    expect(entrypoint).toContain('--config.file=/etc/alertmanager/alertmanager.yml');
  });
});
