import { AggregatorRegistry } from 'prom-client';
import type { Config } from '../config.js';
import type { Metrics } from '../http/metrics.js';
import { startManagementServer, type ManagementServer } from '../http/management-server.js';

/** One process: the management listener serves this process's metrics; none when metricsPort is 0. */
export function serveProcessMetrics(config: Config, metrics: Metrics): Promise<ManagementServer | undefined> {
  if (config.metricsPort === 0) return Promise.resolve(undefined);
  return startManagementServer({ host: config.metricsHost, port: config.metricsPort, metrics: () => metrics.render() });
}

/**
 * `--workers N`, in the primary: every scrape asks each worker for its registry and serves the sum (prom-client's
 * cluster aggregation), so one scrape sees the whole server rather than whichever worker took the connection.
 */
export function serveClusterMetrics(config: Config): Promise<ManagementServer | undefined> {
  if (config.metricsPort === 0) return Promise.resolve(undefined);
  const aggregator = new AggregatorRegistry();
  return startManagementServer({
    host: config.metricsHost,
    port: config.metricsPort,
    metrics: async () => ({ contentType: aggregator.contentType, body: await aggregator.clusterMetrics() }),
  });
}

/** In a worker: answer the primary's requests for this worker's metrics. */
export function offerMetricsToPrimary(metrics: Metrics): void {
  AggregatorRegistry.setRegistries([metrics.registry]);
  // Constructing one installs the worker's listener for the primary's requests.
  new AggregatorRegistry();
}

/** `http://HOST:PORT/metrics` of the management listener, for the start-up line. */
export function metricsUrl(server: ManagementServer): string {
  const host = server.address.host.includes(':') ? `[${server.address.host}]` : server.address.host;
  return `http://${host}:${server.address.port}/metrics`;
}
