import { createServer, type Server } from 'node:http';
import { ListenError, type ListenerAddress } from './listeners.js';

interface ManagementServerOptions {
  host: string;
  port: number;
  /** The Prometheus exposition of this process, or of every worker of a cluster. */
  metrics: () => Promise<{ contentType: string; body: string }>;
}

export interface ManagementServer {
  address: ListenerAddress;
  close(): Promise<void>;
}

/**
 * The management listener: GET /metrics only, apart from the public listeners, so that nothing reachable from
 * outside (a client, or a webhook this server is told to call) can read it. Health checks stay public, where
 * load balancers look for them.
 */
export async function startManagementServer(options: ManagementServerOptions): Promise<ManagementServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics') return void response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return void response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('Method not allowed\n');
    }
    options.metrics().then(
      ({ contentType, body }) => response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(request.method === 'HEAD' ? undefined : body),
      () => response.writeHead(503, { 'content-type': 'text/plain' }).end('Metrics unavailable\n'),
    );
  });
  // A scrape is small and quick; an idle or slow connection is not kept.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await listen(server, options.host, options.port);
  const bound = server.address();
  const address: ListenerAddress = { name: 'metrics', host: options.host, port: typeof bound === 'object' && bound ? bound.port : options.port };
  return {
    address,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err) => reject(new ListenError({ name: 'metrics', host, port }, err)));
    server.listen({ host, port }, () => resolve());
  });
}
