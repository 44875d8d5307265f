import { networkInterfaces } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { accountPlugin } from './account/plugin.js';
import { DEFAULT_THROTTLE, LoginThrottle } from './account/throttle.js';
import { UsageRecorder } from './account/usage-recorder.js';
import { ClientAuthenticator } from './core/client-authenticator.js';
import { systemClock, type Clock } from './core/clock.js';
import { DpopNonces, DpopProofVerifier } from './core/dpop.js';
import { InMemoryFailureLimiter, type AuthFailureLimiter } from './core/failure-limiter.js';
import { SecretHasher } from './core/secret-hasher.js';
import { SharedFailureLimiter } from './core/shared-failure-limiter.js';
import { TokenIssuer } from './core/token-issuer.js';
import type { ResourceServers } from './core/resource.js';
import type { AppPlugin } from './http/app.js';
import type { ListenerAddress } from './http/listeners.js';
import { Metrics } from './http/metrics.js';
import { jwksPlugin } from './jwt/jwks-endpoint.js';
import { JwtAccessTokenVerifier, JwtTokenIssuer } from './jwt/jwt-access-tokens.js';
import { KeyEncryption } from './jwt/key-encryption.js';
import { SigningKeys } from './jwt/signing-keys.js';
import { loadServerKey } from './server-key.js';
import { sqlitePathOf } from './storage/open-store.js';
import type { Environment, Store } from './storage/types.js';
import { createWebhookModule, type WebhookModule, type WebhookModuleOptions } from './webhooks/index.js';
import type { OwnListeners } from './webhooks/target-policy.js';

/** The long-lived services of one server process, built once and shared by both environments' apps. */
export interface Services {
  store: Store;
  hasher: SecretHasher;
  clock: Clock;
  metrics: Metrics;
  /** Token and failure counts of the Web Account, counted in memory and written in bulk. */
  usage: UsageRecorder;
  authenticator: ClientAuthenticator;
  /** Each environment's issuer of tokens: opaque, or RFC 9068 JWTs (config.accessTokenFormat). */
  tokenIssuers: Record<Environment, TokenIssuer>;
  /** Resolves presented JWT access tokens to their rows, so they are revoked and expired like opaque ones. */
  jwtVerifier: JwtAccessTokenVerifier;
  /** Checks DPoP proofs (RFC 9449) at the token endpoint and the Webhook API; their ids are single use across nodes. */
  dpop: DpopProofVerifier;
  /** The Webhook API's routes, delivery worker and publisher. */
  webhooks: WebhookModule;
  /** Route groups every environment's app registers besides the OAuth endpoints. */
  plugins: readonly AppPlugin[];
  /** Base URL each environment answers at; filled in by whoever binds the listeners. */
  urls: Record<Environment, string>;
  /**
   * Every socket this server listens on (both environments and the metrics listener), filled in as each is bound:
   * webhooks may never target them.
   */
  listeners: ListenerAddress[];
  /** The issuer identifier of an environment (RFC 8414 §2): as configured, else its listener's URL. */
  issuerOf(environment: Environment): string;
  /** The resource servers (RFC 8707) of an environment: the Webhook API's identifier, and every one a client may name. */
  resourcesOf(environment: Environment): ResourceServers;
}

export interface ServiceOptions {
  clock?: Clock;
  logger?: Logger;
  /** Webhook delivery wiring for tests: a manual scheduler, a fixed jitter, a short backoff. */
  webhooks?: Pick<WebhookModuleOptions, 'scheduler' | 'deliver' | 'backoff' | 'random'>;
}

/** Builds every long-lived service from the configuration and an open store; starts nothing. */
export function createServices(config: Config, store: Store, options: ServiceOptions = {}): Services {
  const serverKey = loadServerKey(config.serverKey, sqlitePathOf(config.db));
  const hasher = new SecretHasher(serverKey);
  const clock = options.clock ?? systemClock;
  // One process on SQLite counts failures in memory, exactly and for free. Several processes (PostgreSQL nodes, or
  // workers) share the counters through the store, so spreading guesses over nodes buys nothing.
  const shared = store.dialect === 'postgres' || config.workers > 1;
  const limits = { perClientPerMinute: config.clientFailuresPerMinute, perIpPerMinute: config.ipFailuresPerMinute };
  const limiter: AuthFailureLimiter = shared ? new SharedFailureLimiter(store.failures, limits, clock) : new InMemoryFailureLimiter(limits);
  const metrics = new Metrics(store);
  const usage = new UsageRecorder({ usage: store.usage, audit: store.audit, clients: store.clients, clock });
  const authenticator = new ClientAuthenticator({
    clients: store.clients,
    hasher,
    limiter,
    clock,
    usedJtis: store.usedJtis,
    onFailure: (clientId, ip, environment) => {
      metrics.authFailures.inc({ environment });
      usage.failed(clientId, ip);
    },
    onSecretUsed: (clientId, secretHash, at) => usage.secretUsed(clientId, secretHash, at),
  });

  const urls = {} as Record<Environment, string>;
  const issuerOf = (environment: Environment) =>
    (environment === 'sandbox' ? config.sandboxIssuer : config.productionIssuer) ?? urls[environment];
  const resourcesOf = (environment: Environment): ResourceServers => {
    const sandbox = environment === 'sandbox';
    const webhookApi = (sandbox ? config.sandboxWebhookResource : config.productionWebhookResource) ?? issuerOf(environment);
    const others = sandbox ? config.sandboxResourceServers : config.productionResourceServers;
    return { webhookApi, known: [webhookApi, ...others.filter((r) => r !== webhookApi)] };
  };
  const lifetimes = { accessTokenTtl: config.accessTokenTtl, refreshTokenTtl: config.refreshTokenTtl, refreshTokenIdleTtl: config.refreshTokenIdleTtl };
  const opaqueIssuer = new TokenIssuer({ tokens: store.tokens, hasher, clock, lifetimes });
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
  const jwtIssuer = new JwtTokenIssuer({ tokens: store.tokens, hasher, clock, lifetimes, keys: signingKeys, issuerOf });
  const issuerFor = (environment: Environment) => (config.accessTokenFormat[environment] === 'jwt' ? jwtIssuer : opaqueIssuer);

  const dpop = new DpopProofVerifier({
    replay: store.usedJtis,
    hasher,
    clock,
    maxAgeSeconds: config.dpopProofMaxAgeSeconds,
    nonces: config.dpopNonce ? new DpopNonces(hasher) : undefined,
  });

  const listeners: ListenerAddress[] = [];
  const ownListeners: OwnListeners = { addresses: () => listeners, localAddresses: machineAddresses };
  const webhooks = createWebhookModule({ store, clock, hasher, config, ownListeners, resourcesOf, logger: options.logger, ...options.webhooks });
  if (config.dangerouslyAllowAnyWebhookTarget) {
    options.logger?.warn('dangerouslyAllowAnyWebhookTarget is ON: webhooks may target http, loopback and private addresses (SSRF)');
  }
  const account = accountPlugin({
    webhooks: webhooks.console,
    throttle: new LoginThrottle({ ...DEFAULT_THROTTLE, signupsPerIp: config.signupsPerIp }),
    // Across processes failed logins are counted in the database too (config.ts says why the defaults are 6/60).
    sharedLoginLimiter: shared
      ? new SharedFailureLimiter(
          store.failures,
          { perClientPerMinute: config.loginFailuresPerAccountPerMinute, perIpPerMinute: config.loginFailuresPerIpPerMinute },
          clock,
          { namespace: 'login ', subjectAcrossIps: true },
        )
      : undefined,
  });

  return {
    store,
    hasher,
    clock,
    metrics,
    usage,
    authenticator,
    tokenIssuers: { sandbox: issuerFor('sandbox'), production: issuerFor('production') },
    jwtVerifier: new JwtAccessTokenVerifier({ hasher, keys: signingKeys, issuerOf }),
    dpop,
    webhooks,
    plugins: [account, webhooks.plugin, jwksPlugin(signingKeys)],
    urls,
    listeners,
    issuerOf,
    resourcesOf,
  };
}

/** This machine's interface addresses (a listener bound to 0.0.0.0 or :: answers on each). */
function machineAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}
