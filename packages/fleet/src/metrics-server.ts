import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FleetSnapshot, formatPrometheusMetrics } from '@advscreen/monitoring';

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** GET /metrics in Prometheus' text format, from a snapshot taken per scrape; GET /healthz. */
export async function startMetricsServer(options: {
  port: number;
  snapshot: () => Promise<FleetSnapshot>;
  onError: (error: unknown) => void;
}): Promise<MetricsServer> {
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
      const body = formatPrometheusMetrics(await options.snapshot());
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
    } catch (error) {
      options.onError(error);
      if (!response.headersSent) response.writeHead(503).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port, '0.0.0.0', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
