import { createServer, type Server } from 'node:http';
import { type FleetSnapshot, formatPrometheusMetrics } from '@advscreen/monitoring';
import { type Listening, listen } from './http-listener.ts';

/** GET /metrics in Prometheus' text format, from a snapshot taken per scrape; GET /healthz. */
export async function startMetricsServer(options: {
  port: number;
  /** How many sources get per-source series (most adversarial verdicts, then rejections). */
  maxSources: number;
  snapshot: () => Promise<FleetSnapshot>;
  onError: (error: unknown) => void;
}): Promise<Listening> {
  const server: Server = createServer(async (request, response) => {
    if (request.method === 'GET' && request.url === '/healthz') {
      response.writeHead(200).end('ok\n');
      return;
    }
    if (request.method !== 'GET' || request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    try {
      const body = formatPrometheusMetrics(await options.snapshot(), options.maxSources);
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
    } catch (error) {
      options.onError(error);
      if (!response.headersSent) response.writeHead(503).end();
    }
  });
  return listen(server, options.port);
}
