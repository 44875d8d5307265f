import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance, FastifyReply, FastifyRequest, onResponseHookHandler } from 'fastify';
import type { Store } from '../storage/types.js';

/**
 * Prometheus metrics of one process, in a registry of its own (no global default registry). They are served on
 * the management listener (management-server.ts), never on the public ones; with `--workers N` each worker keeps
 * its own and the cluster primary serves their sum.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly tokensIssued = new Counter({
    name: 'mypos_auth_tokens_issued_total',
    help: 'Tokens issued, by grant type and environment',
    labelNames: ['grant_type', 'environment'] as const,
    registers: [this.registry],
  });
  readonly tokensRevoked = new Counter({
    name: 'mypos_auth_tokens_revoked_total',
    help: 'Revocation requests that revoked a live token, by environment',
    labelNames: ['environment'] as const,
    registers: [this.registry],
  });
  readonly authFailures = new Counter({
    name: 'mypos_auth_client_auth_failures_total',
    help: 'Failed client authentications, by environment',
    labelNames: ['environment'] as const,
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'mypos_auth_http_request_duration_seconds',
    help: 'HTTP request latency, by route, method and status class',
    labelNames: ['route', 'method', 'status', 'environment'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  constructor(store: Store) {
    collectDefaultMetrics({ register: this.registry, prefix: 'mypos_auth_' });
    const pool = (field: 'total' | 'idle' | 'waiting', help: string) =>
      new Gauge({
        name: `mypos_auth_db_pool_${field}`,
        help,
        registers: [this.registry],
        collect() {
          const stats = store.poolStats();
          if (stats) this.set(stats[field]);
        },
      });
    if (store.poolStats() !== undefined) {
      pool('total', 'Database connections open');
      pool('idle', 'Database connections idle');
      pool('waiting', 'Queries waiting for a database connection');
    }
  }

  /** The Prometheus text exposition of this process. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /**
   * The latency hook. Routes are labelled by their pattern (bound once per route in onRoute), never by the
   * raw URL, and each label set's child is kept: Fastify 5 builds `request.routeOptions` afresh per read.
   */
  register(app: FastifyInstance, environment: string): void {
    const children = new Map<string, Histogram.Internal<'route' | 'method' | 'status' | 'environment'>>();
    const observe = (route: string, request: FastifyRequest, reply: FastifyReply) => {
      const status = STATUS_CLASS[Math.floor(reply.statusCode / 100)] ?? 'other';
      const key = `${route} ${request.method} ${status}`;
      let child = children.get(key);
      if (child === undefined) {
        child = this.requestDuration.labels({ route, method: request.method, status, environment });
        children.set(key, child);
      }
      child.observe(reply.elapsedTime / 1000);
    };
    app.addHook('onRoute', (route) => {
      const pattern = route.url;
      const hook: onResponseHookHandler = (request, reply, done) => {
        observe(pattern, request, reply);
        done();
      };
      route.onResponse = route.onResponse === undefined ? [hook] : [...[route.onResponse].flat(), hook];
    });
    // Requests no route matched (404s, and what the framework refuses before routing).
    app.addHook('onResponse', (request, reply, done) => {
      if (request.is404) observe('unmatched', request, reply);
      done();
    });
  }
}

const STATUS_CLASS: Record<number, string> = { 1: '1xx', 2: '2xx', 3: '3xx', 4: '4xx', 5: '5xx' };
