import { networkInterfaces } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { ClientAuthenticator } from './core/client-authenticator.js';
import { systemClock, type Clock } from './core/clock.js';
import { InMemoryFailureLimiter, type AuthFailureLimiter, type FailureLimits } from './core/failure-limiter.js';
import { SharedFailureLimiter } from './core/shared-failure-limiter.js';
import { ListenError, type ListenerAddress } from './http/listeners.js';
import { Metrics } from './http/metrics.js';
import { SecretHasher } from './core/secret-hasher.js';
import { TokenIssuer } from './core/token-issuer.js';
import { buildApp, type BuildAppOptions } from './http/app.js';
import type { AppContext } from './http/context.js';
import { jwksPlugin } from './jwt/jwks-endpoint.js';
import { JwtAccessTokenVerifier, JwtTokenIssuer } from './jwt/jwt-access-tokens.js';
import { KeyEncryption } from './jwt/key-encryption.js';
import { SigningKeys } from './jwt/signing-keys.js';
import { loadServerKey } from './server-key.js';
import { createWebhookModule, type WebhookModule, type WebhookModuleOptions } from './webhooks/index.js';
import type { OwnListeners } from './webhooks/target-policy.js';
import { accountPlugin } from './account/plugin.js';
import { DEFAULT_THROTTLE, LoginThrottle } from './account/throttle.js';
import { UsageRecorder } from './account/usage-recorder.js';
import { openStore, sqlitePathOf } from './storage/open-store.js';
import { purgeExpiredRows } from './storage/purge.js';
import { ENVIRONMENTS, type Environment, type Store } from './storage/types.js';

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

export interface StartOptions {
  logger?: Logger;
  clock?: Clock;
  /** Use this store instead of opening config.db (tests). */
  store?: Store;
  plugins?: BuildAppOptions['plugins'];
  /** Build the apps without binding ports (fastify.inject tests). */
  listen?: boolean;
  /** Webhook delivery wiring for tests: a manual scheduler, a fixed jitter, a short backoff. */
  webhooks?: Pick<WebhookModuleOptions, 'scheduler' | 'deliver' | 'backoff' | 'random'>;
}

/** Wires the store, the key, the limiter and one app per environment, and binds both listeners. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const store = options.store ?? (await openStore(config.db, { migrate: config.migrate }));
  const serverKey = loadServerKey(config.serverKey, sqlitePathOf(config.db));
  const hasher = new SecretHasher(serverKey);
  const clock = options.clock ?? systemClock;
  const limits: FailureLimits = { perClientPerMinute: config.clientFailuresPerMinute, perIpPerMinute: config.ipFailuresPerMinute };
  // One process on SQLite counts in memory, exactly and for free. Several processes (PostgreSQL nodes, or
  // workers) share the counters through the store, so spreading guesses over nodes buys nothing.
  const limiter: AuthFailureLimiter =
    store.dialect === 'postgres' || config.workers > 1
      ? new SharedFailureLimiter(store.failures, limits, clock)
      : new InMemoryFailureLimiter(limits);
  const metrics = new Metrics(store);
  // Usage counters for the Web Account: counted in memory on the hot path, written in bulk by a timer.
  const usage = new UsageRecorder({ usage: store.usage, audit: store.audit, clients: store.clients, clock });
  const authenticator = new ClientAuthenticator({
    clients: store.clients,
    hasher,
    limiter,
    clock,
    onFailure: (clientId, ip, environment) => {
      metrics.authFailures.inc({ environment });
      usage.failed(clientId, ip);
    },
    onSecretUsed: (clientId, secretHash, at) => usage.secretUsed(clientId, secretHash, at),
  });
  const tokenIssuer = new TokenIssuer({
    tokens: store.tokens,
    hasher,
    clock,
    lifetimes: { accessTokenTtl: config.accessTokenTtl, refreshTokenTtl: config.refreshTokenTtl, refreshTokenIdleTtl: config.refreshTokenIdleTtl },
  });
  // Every socket this server listens on (both environments and the metrics listener), filled in as each is
  // bound: webhooks may never target them.
  const listeners: ListenerAddress[] = [];
  const ownListeners: OwnListeners = { addresses: () => listeners, localAddresses: machineAddresses };
  const webhooks = createWebhookModule({ store, clock, hasher, config, ownListeners, logger: options.logger, ...options.webhooks });
  if (config.dangerouslyAllowAnyWebhookTarget) {
    options.logger?.warn('dangerouslyAllowAnyWebhookTarget is ON: webhooks may target http, loopback and private addresses (SSRF)');
  }
  const lifecycle = { draining: false };
  const urls = {} as Record<Environment, string>;
  const apps = {} as Record<Environment, FastifyInstance>;
  const issuerOf = (environment: Environment) =>
    (environment === 'sandbox' ? config.sandboxIssuer : config.productionIssuer) ?? urls[environment];
  const shared = store.dialect === 'postgres' || config.workers > 1;
  const account = accountPlugin({
    throttle: new LoginThrottle({ ...DEFAULT_THROTTLE, signupsPerIp: config.signupsPerIp }),
    // Across processes, failed logins are counted in the database too (config.ts says why the defaults are 6/60).
    sharedLoginLimiter: shared
      ? new SharedFailureLimiter(
          store.failures,
          { perClientPerMinute: config.loginFailuresPerAccountPerMinute, perIpPerMinute: config.loginFailuresPerIpPerMinute },
          clock,
          { namespace: 'login ', subjectAcrossIps: true },
        )
      : undefined,
  });

  // RFC 9068 JWT access tokens, per environment (config.accessTokenFormat); opaque tokens keep their own issuer.
  const signingKeys = new SigningKeys({
    repo: store.signingKeys,
    encryption: new KeyEncryption(serverKey),
    clock,
    schedule: {
      rotationSeconds: config.signingKeyRotationSeconds,
      publishAheadSeconds: config.signingKeyPublishAheadSeconds,
      accessTokenTtl: config.accessTokenTtl,
    },
    signing: (environment) => config.accessTokenFormat[environment] === 'jwt',
  });
  const jwtIssuer = new JwtTokenIssuer({
    tokens: store.tokens,
    hasher,
    clock,
    lifetimes: { accessTokenTtl: config.accessTokenTtl, refreshTokenTtl: config.refreshTokenTtl, refreshTokenIdleTtl: config.refreshTokenIdleTtl },
    keys: signingKeys,
    issuerOf,
  });
  const jwtVerifier = new JwtAccessTokenVerifier({ hasher, keys: signingKeys, issuerOf });
  const plugins = [account, webhooks.plugin, jwksPlugin(signingKeys), ...(options.plugins ?? [])];

  for (const environment of ENVIRONMENTS) {
    const ctx: AppContext = {
      environment,
      config,
      store,
      hasher,
      clock,
      authenticator,
      tokenIssuer: config.accessTokenFormat[environment] === 'jwt' ? jwtIssuer : tokenIssuer,
      jwt: jwtVerifier,
      metrics,
      usage,
      issuer: () => issuerOf(environment),
      issuers: () => ({ sandbox: issuerOf('sandbox'), production: issuerOf('production') }),
      lifecycle,
    };
    apps[environment] = await buildApp(ctx, {
      logger: options.logger?.child({ environment }),
      plugins,
    });
  }

  if (options.listen ?? true) {
    for (const environment of ENVIRONMENTS) {
      const port = environment === 'sandbox' ? config.sandboxPort : config.productionPort;
      try {
        // Fastify's own "Server listening at" would announce the first listener before the second is known to
        // bind; the line saying the server listens is the caller's, once both do.
        await apps[environment].listen({ host: config.host, port, listenTextResolver: (address) => `${environment} bound to ${address}` });
      } catch (err) {
        // Close what was opened (the other listener, the store) so a failed start leaves nothing behind.
        await Promise.all(ENVIRONMENTS.map((e) => apps[e].close()));
        if (!options.store) await store.close();
        throw new ListenError({ name: environment, host: config.host, port }, err);
      }
      const addr = apps[environment].server.address();
      const boundPort = typeof addr === 'object' && addr ? addr.port : port;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      urls[environment] = `http://${host}:${boundPort}`;
      listeners.push({ name: environment, host: config.host, port: boundPort });
    }
    if (config.metricsPort !== 0) listeners.push({ name: 'metrics', host: config.metricsHost, port: config.metricsPort });
  } else {
    urls.sandbox = 'http://sandbox.test';
    urls.production = 'http://production.test';
  }

  webhooks.worker.start();
  const purge = setInterval(() => void purgeExpiredTokens(store, clock, options.logger), config.purgeIntervalSeconds * 1000);
  purge.unref();
  const flushUsage = setInterval(
    () => void usage.flush().catch((err) => options.logger?.warn({ err: { message: (err as Error).message } }, 'usage flush failed; will retry')),
    config.usageFlushSeconds * 1000,
  );
  flushUsage.unref();

  let closing: Promise<void> | undefined;
  return {
    store,
    hasher,
    usage,
    apps,
    metrics,
    webhooks,
    urls,
    listeners,
    close() {
      closing ??= (async () => {
        lifecycle.draining = true;
        clearInterval(purge);
        if (options.listen ?? true) await new Promise((r) => setTimeout(r, config.drainDelayMs));
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

/** This machine's interface addresses (a listener bound to 0.0.0.0 or :: answers on each). */
function machineAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
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
