import { createServer, type Server } from 'node:http';
import { type Listening, listen } from './http-listener.ts';

/** Prometheus' text exposition format, version 0.0.4. */
const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

/** GET /metrics in Prometheus' text format, rendered per scrape; GET /healthz. */
export async function startMetricsServer(options: {
  port: number;
  render: () => Promise<string>;
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
      const body = await options.render();
      response.writeHead(200, { 'content-type': PROMETHEUS_TEXT }).end(body);
    } catch (error) {
      options.onError(error);
      if (!response.headersSent) response.writeHead(503).end();
    }
  });
  return listen(server, options.port);
}
