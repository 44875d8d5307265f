import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Clock } from './core/clock.js';
import type { SecretHasher } from './core/secret-hasher.js';
import type { UsageRecorder } from './account/usage-recorder.js';
import { buildApp, type BuildAppOptions } from './http/app.js';
import type { AppContext } from './http/context.js';
import { ListenError, type ListenerAddress } from './http/listeners.js';
import type { Metrics } from './http/metrics.js';
import { createServices, type ServiceOptions, type Services } from './services.js';
import { openStore } from './storage/open-store.js';
import { purgeExpiredRows } from './storage/purge.js';
import { ENVIRONMENTS, type Environment, type Store } from './storage/types.js';
import type { WebhookModule } from './webhooks/index.js';

export interface RunningServer {
  store: Store;
  hasher: SecretHasher;
  /** Token and failure counts waiting to be written; `flush()` writes them now (tests, shutdown). */
  usage: UsageRecorder;
  apps: Record<Environment, FastifyInstance>;
  metrics: Metrics;
  /** The Webhook API's delivery worker and publisher (started here, stopped by close). */
  webhooks: WebhookModule;
  /** Base URL each environment answers at (its issuer). */
  urls: Record<Environment, string>;
  /**
   * Every address this server listens on: both environments as bound, and the management listener as configured
   * (`serve` binds it; none when metricsPort is 0). Filled in place once the ports are bound, so a holder of the
   * array (a webhook target policy refusing this server's own sockets) always sees the bound ports.
   */
  listeners: readonly ListenerAddress[];
  /** Readiness off, stop accepting, let in-flight requests finish (bounded), close the store. */
  close(): Promise<void>;
}

export interface StartOptions extends ServiceOptions {
  /** Use this store instead of opening config.db (tests). */
  store?: Store;
  plugins?: BuildAppOptions['plugins'];
  /** Build the apps without binding ports (fastify.inject tests). */
  listen?: boolean;
}

/** Opens the store, builds the services once, one app per environment, and binds both listeners. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const store = options.store ?? (await openStore(config.db, { migrate: config.migrate }));
  const services = createServices(config, store, options);
  const { usage, webhooks, urls, listeners } = services;
  const lifecycle = { draining: false };
  const apps = await buildApps(config, services, lifecycle, options);
  const listen = options.listen ?? true;
  if (listen) {
    try {
      await bindListeners(config, apps, urls, listeners);
    } catch (err) {
      if (!options.store) await store.close();
      throw err;
    }
  } else {
    urls.sandbox = 'http://sandbox.test';
    urls.production = 'http://production.test';
  }

  webhooks.worker.start();
  const purge = setInterval(() => void purgeExpiredTokens(store, services.clock, options.logger), config.purgeIntervalSeconds * 1000);
  purge.unref();
  const flushUsage = setInterval(
    () => void usage.flush().catch((err) => options.logger?.warn({ err: { message: (err as Error).message } }, 'usage flush failed; will retry')),
    config.usageFlushSeconds * 1000,
  );
  flushUsage.unref();

  let closing: Promise<void> | undefined;
  return {
    store,
    hasher: services.hasher,
    usage,
    apps,
    metrics: services.metrics,
    webhooks,
    urls,
    listeners,
    close() {
      closing ??= (async () => {
        lifecycle.draining = true;
        clearInterval(purge);
        if (listen) await new Promise((r) => setTimeout(r, config.drainDelayMs));
        clearInterval(flushUsage);
        const drain = Promise.all(ENVIRONMENTS.map((e) => apps[e].close()));
        const grace = new Promise<void>((r) => setTimeout(r, config.shutdownGraceMs).unref());
        await Promise.race([drain, grace]);
        // Any socket still open after the grace period is cut, so the process can exit.
        for (const e of ENVIRONMENTS) apps[e].server.closeAllConnections();
        // Deliveries in flight are aborted and stay pending: the next start (or another node) sends them.
        await webhooks.worker.stop();
        await usage.flush({ force: true }).catch(() => {});
        if (!options.store) await store.close();
      })();
      return closing;
    },
  };
}

/** One app per environment over the shared services; they differ in their environment, issuer and token format. */
async function buildApps(
  config: Config,
  services: Services,
  lifecycle: AppContext['lifecycle'],
  options: StartOptions,
): Promise<Record<Environment, FastifyInstance>> {
  const apps = {} as Record<Environment, FastifyInstance>;
  const plugins = [...services.plugins, ...(options.plugins ?? [])];
  for (const environment of ENVIRONMENTS) {
    const ctx: AppContext = {
      environment,
      config,
      store: services.store,
      hasher: services.hasher,
      clock: services.clock,
      authenticator: services.authenticator,
      tokenIssuer: services.tokenIssuers[environment],
      jwt: services.jwtVerifier,
      dpop: services.dpop,
      metrics: services.metrics,
      usage: services.usage,
      issuer: () => services.issuerOf(environment),
      issuers: () => ({ sandbox: services.issuerOf('sandbox'), production: services.issuerOf('production') }),
      resources: () => services.resourcesOf(environment),
      lifecycle,
    };
    apps[environment] = await buildApp(ctx, { logger: options.logger?.child({ environment }), plugins });
  }
  return apps;
}

/**
 * Binds each environment's listener and records its URL and address; on a failure closes both apps and throws
 * ListenError. `listeners` is filled in place (a holder of the array sees the bound ports).
 */
async function bindListeners(
  config: Config,
  apps: Record<Environment, FastifyInstance>,
  urls: Record<Environment, string>,
  listeners: ListenerAddress[],
): Promise<void> {
  for (const environment of ENVIRONMENTS) {
    const port = environment === 'sandbox' ? config.sandboxPort : config.productionPort;
    try {
      // Fastify's own "Server listening at" would announce the first listener before the second is known to
      // bind; the line saying the server listens is the caller's, once both do.
      await apps[environment].listen({ host: config.host, port, listenTextResolver: (address) => `${environment} bound to ${address}` });
    } catch (err) {
      // Close what was opened (the other listener; the caller closes the store) so a failed start leaves nothing behind.
      await Promise.all(ENVIRONMENTS.map((e) => apps[e].close()));
      throw new ListenError({ name: environment, host: config.host, port }, err);
    }
    const addr = apps[environment].server.address();
    const boundPort = typeof addr === 'object' && addr ? addr.port : port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    urls[environment] = `http://${host}:${boundPort}`;
    listeners.push({ name: environment, host: config.host, port: boundPort });
  }
  if (config.metricsPort !== 0) listeners.push({ name: 'metrics', host: config.metricsHost, port: config.metricsPort });
}

/** One purge pass over every table (storage/purge.ts); a failed pass is logged and retried at the next interval. */
export async function purgeExpiredTokens(store: Store, clock: Clock, logger?: Logger): Promise<number> {
  try {
    return await purgeExpiredRows(store, clock.now());
  } catch (err) {
    logger?.warn({ err: { message: (err as Error).message } }, 'token purge failed; will retry');
    return 0;
  }
}
