import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_VARIABLES, loadConfig } from '@advscreen/config';
import { QueueName } from '@advscreen/contracts';
import { queueDepthEmf } from '@advscreen/monitoring';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './support/cli.ts';
import { startRedis } from './support/servers.ts';

// No Docker engine runs where the tests do, so these check what can be checked without one:
// the files parse, name every role, and configure what the README promises.
describe('deployment files', () => {
  const compose = parse(readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), {
    merge: true,
  }) as {
    services: Record<
      string,
      {
        command?: string[];
        environment?: Record<string, string>;
        env_file?: string[];
        ports?: string[];
        cap_drop?: string[];
        security_opt?: string[];
      }
    >;
  };

  it('runs every role from one image, scalable, with Redis and MinIO', () => {
    for (const role of ['ingest', 'detector', 'inference', 'monitor']) {
      expect(compose.services[role]?.command, role).toEqual(['worker', role]);
      expect(compose.services[role]?.environment?.ADVSCREEN_REDIS_URL).toBe('redis://redis:6379');
      expect(compose.services[role]?.cap_drop, role).toEqual(['ALL']);
      expect(compose.services[role]?.security_opt, role).toEqual(['no-new-privileges:true']);
    }
    expect(compose.services.monitor?.environment?.ADVSCREEN_METRICS_PORT).toBe('9464');
    expect(compose.services.monitor?.ports).toEqual(['9464:9464']);
    expect(compose.services.redis?.command).toEqual(
      expect.arrayContaining(['--appendonly', 'yes', '--maxmemory-policy', 'noeviction']),
    );
    expect(compose.services.minio?.environment?.MINIO_NOTIFY_WEBHOOK_ENDPOINT_INGEST).toBe(
      'http://ingest:8080/notifications',
    );
    expect(compose.services.minio?.environment?.MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_INGEST).toBe(
      compose.services.ingest?.environment?.ADVSCREEN_INGEST_TOKEN,
    );
  });

  it('ships an .env.example that the configuration accepts', () => {
    const entries = readFileSync(path.join(REPO_ROOT, '.env.example'), 'utf8')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]);
    expect(() => loadConfig(Object.fromEntries(entries))).not.toThrow();
  });

  it('names every setting in .env.example and the README', () => {
    const named = (file: string) =>
      new Set(readFileSync(path.join(REPO_ROOT, file), 'utf8').match(/\b(?:ADVSCREEN|AWS)_[A-Z0-9_]+/g));
    for (const file of ['.env.example', 'README.md']) {
      const missing = CONFIG_VARIABLES.filter((name) => !named(file).has(name));
      expect(missing, file).toEqual([]);
    }
  });

  it.each(['deploy/Dockerfile', 'deploy/Dockerfile.inference-gpu'])('%s copies paths that exist', (file) => {
    const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
    expect(text).toMatch(/^FROM /m);
    for (const [, sources] of text.matchAll(/^COPY (.+) \S+$/gm)) {
      for (const source of (sources as string).split(' '))
        expect(existsSync(path.join(REPO_ROOT, source)), source).toBe(true);
    }
  });
});

interface KubeObject {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  spec?: {
    template?: {
      spec: {
        terminationGracePeriodSeconds?: number;
        containers: {
          image: string;
          args: string[];
          env?: { name: string; value: string }[];
          resources?: { limits?: Record<string, unknown> };
          securityContext?: Record<string, unknown>;
        }[];
      };
    };
    scaleTargetRef?: { name: string };
    triggers?: { type: string; metadata: Record<string, string> }[];
  };
}

describe('Kubernetes manifests', () => {
  const objects = ['advscreen.yaml', 'keda.yaml'].flatMap((file) =>
    parseAllDocuments(readFileSync(path.join(REPO_ROOT, 'deploy/kubernetes', file), 'utf8')).map(
      (document) => document.toJS() as KubeObject,
    ),
  );
  const config = objects.find((o) => o.kind === 'ConfigMap')?.data ?? {};
  const deployment = (name: string) => {
    const found = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === name);
    if (!found?.spec?.template) throw new Error(`no Deployment ${name}`);
    return found.spec.template.spec;
  };

  it('runs every role with a configuration the roles accept, and drains within the grace period', () => {
    for (const role of ['ingest', 'detector', 'inference', 'monitor']) {
      const pod = deployment(role);
      const [container] = pod.containers;
      expect(container?.args, role).toEqual(['worker', role]);
      const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value]));
      expect(() => loadConfig({ ...config, ...env }), role).not.toThrow();
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(Number(config.ADVSCREEN_SHUTDOWN_GRACE_S));
    }
    const gpu = deployment('inference').containers[0];
    expect(gpu?.image).toMatch(/gpu/);
    expect(gpu?.resources?.limits?.['nvidia.com/gpu']).toBe(1);
    expect(gpu?.env).toContainEqual({ name: 'ADVSCREEN_EXECUTION_PROVIDER', value: 'cuda' });
  });

  it('runs every role as the non-root user its image names, without privilege gain or capabilities', () => {
    const uidOfImageUser: Record<string, number> = { node: 1000, nobody: 65534 };
    for (const role of ['ingest', 'detector', 'inference', 'monitor']) {
      const [container] = deployment(role).containers;
      const dockerfile = container?.image.includes('gpu')
        ? 'deploy/Dockerfile.inference-gpu'
        : 'deploy/Dockerfile';
      const user = /^USER (\S+)$/m.exec(readFileSync(path.join(REPO_ROOT, dockerfile), 'utf8'))?.[1];
      expect(container?.securityContext, role).toEqual({
        runAsNonRoot: true,
        runAsUser: uidOfImageUser[user as string],
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
    }
  });

  it("scales the detector and inference roles on their queues' waiting jobs, as BullMQ keeps them", async () => {
    const scaled = objects.filter((o) => o.kind === 'ScaledObject');
    const listOf = (target: string) =>
      scaled.find((o) => o.spec?.scaleTargetRef?.name === target)?.spec?.triggers?.[0]?.metadata.listName;
    expect(listOf('detector')).toBe(`bull:${QueueName.detect}:wait`);
    expect(listOf('inference')).toBe(`bull:${QueueName.infer}:wait`);
    for (const o of scaled) deployment(o.spec?.scaleTargetRef?.name as string);

    // The list KEDA reads holds exactly the jobs waiting for a worker.
    const { server, stop } = await startRedis();
    const redis = new Redis(server.url, { maxRetriesPerRequest: null });
    const queue = new Queue(QueueName.infer, { connection: redis });
    try {
      await queue.addBulk(Array.from({ length: 7 }, (_, i) => ({ name: 'infer', data: { i } })));
      expect(await redis.llen(listOf('inference') as string)).toBe(7);
      expect(await queue.getWaitingCount()).toBe(7);
    } finally {
      await queue.close();
      redis.disconnect();
      await stop();
    }
  });
});

describe('EC2 Auto Scaling policies', () => {
  interface PolicyMetric {
    Id: string;
    Expression?: string;
    MetricStat?: {
      Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: string }[] };
    };
    ReturnData: boolean;
  }
  it.each([
    ['inference', QueueName.infer],
    ['detector', QueueName.detect],
  ])("%s: tracks the monitor's waiting jobs per instance, by the names the monitor writes", (role, queue) => {
    const policy = JSON.parse(
      readFileSync(path.join(REPO_ROOT, `deploy/aws/${role}-scaling-policy.json`), 'utf8'),
    ) as { TargetValue: number; CustomizedMetricSpecification: { Metrics: PolicyMetric[] } };
    expect(policy.TargetValue).toBeGreaterThan(0);
    const metrics = policy.CustomizedMetricSpecification.Metrics;
    const [written] = queueDepthEmf({ [queue]: { waiting: 1 } }, 0);
    const directive = written?._aws.CloudWatchMetrics[0];
    const waiting = metrics.find((m) => m.MetricStat?.Metric.Namespace === directive?.Namespace);
    expect(waiting?.MetricStat?.Metric.MetricName).toBe(directive?.Metrics[0]?.Name);
    expect(waiting?.MetricStat?.Metric.Dimensions).toEqual([
      { Name: directive?.Dimensions[0]?.[0], Value: queue },
    ]);
    // One series comes back: the expression over the two metrics.
    const returned = metrics.filter((m) => m.ReturnData);
    expect(returned).toHaveLength(1);
    for (const m of metrics.filter((m) => !m.ReturnData)) expect(returned[0]?.Expression).toContain(m.Id);
  });
});
