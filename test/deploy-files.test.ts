import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '@advscreen/config';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from './support/cli.ts';

// No Docker engine runs where the tests do, so these check what can be checked without one:
// the files parse, name every role, and configure what the README promises.
describe('deployment files', () => {
  const compose = parse(readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), {
    merge: true,
  }) as {
    services: Record<
      string,
      { command?: string[]; environment?: Record<string, string>; env_file?: string[]; ports?: string[] }
    >;
  };

  it('runs every role from one image, scalable, with Redis and MinIO', () => {
    for (const role of ['ingest', 'detector', 'inference', 'monitor']) {
      expect(compose.services[role]?.command, role).toEqual(['worker', role]);
      expect(compose.services[role]?.environment?.ADVSCREEN_REDIS_URL).toBe('redis://redis:6379');
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

  it.each(['deploy/Dockerfile', 'deploy/Dockerfile.inference-gpu'])('%s copies paths that exist', (file) => {
    const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
    expect(text).toMatch(/^FROM /m);
    for (const [, sources] of text.matchAll(/^COPY (.+) \S+$/gm)) {
      for (const source of (sources as string).split(' '))
        expect(existsSync(path.join(REPO_ROOT, source)), source).toBe(true);
    }
  });
});
