import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { ClientAuthenticator } from './core/client-authenticator.js';
import { systemClock, type Clock } from './core/clock.js';
import { InMemoryFailureLimiter } from './core/failure-limiter.js';
import { SecretHasher } from './core/secret-hasher.js';
import { TokenIssuer } from './core/token-issuer.js';
import { buildApp, type BuildAppOptions } from './http/app.js';
import type { AppContext } from './http/context.js';
import { jwksPlugin } from './jwt/jwks-endpoint.js';
import { JwtAccessTokenVerifier, JwtTokenIssuer } from './jwt/jwt-access-tokens.js';
import { KeyEncryption } from './jwt/key-encryption.js';
import { SigningKeys } from './jwt/signing-keys.js';
import { loadServerKey } from './server-key.js';
import { openStore, sqlitePathOf } from './storage/open-store.js';
import { ENVIRONMENTS, type Environment, type Store } from './storage/types.js';

export interface RunningServer {
  store: Store;
  hasher: SecretHasher;
  apps: Record<Environment, FastifyInstance>;
  /** Base URL each environment answers at (its issuer). */
  urls: Record<Environment, string>;
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
}

/** Wires the store, the key, the limiter and one app per environment, and binds both listeners. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const store = options.store ?? (await openStore(config.db));
  const serverKey = loadServerKey(config.serverKey, sqlitePathOf(config.db));
  const hasher = new SecretHasher(serverKey);
  const clock = options.clock ?? systemClock;
  const limiter = new InMemoryFailureLimiter({
    perClientPerMinute: config.clientFailuresPerMinute,
    perIpPerMinute: config.ipFailuresPerMinute,
  });
  const authenticator = new ClientAuthenticator({ clients: store.clients, hasher, limiter, clock });
  const tokenIssuer = new TokenIssuer({
    tokens: store.tokens,
    hasher,
    clock,
    lifetimes: { accessTokenTtl: config.accessTokenTtl, refreshTokenTtl: config.refreshTokenTtl },
  });
  const lifecycle = { draining: false };
  const urls = {} as Record<Environment, string>;
  const apps = {} as Record<Environment, FastifyInstance>;
  const issuerOf = (environment: Environment) =>
    (environment === 'sandbox' ? config.sandboxIssuer : config.productionIssuer) ?? urls[environment];

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
    lifetimes: { accessTokenTtl: config.accessTokenTtl, refreshTokenTtl: config.refreshTokenTtl },
    keys: signingKeys,
    issuerOf,
  });
  const jwtVerifier = new JwtAccessTokenVerifier({ hasher, keys: signingKeys, issuerOf });
  const plugins = [jwksPlugin(signingKeys), ...(options.plugins ?? [])];

  for (const environment of ENVIRONMENTS) {
    const configured = environment === 'sandbox' ? config.sandboxIssuer : config.productionIssuer;
    const ctx: AppContext = {
      environment,
      config,
      store,
      hasher,
      clock,
      authenticator,
      tokenIssuer: config.accessTokenFormat[environment] === 'jwt' ? jwtIssuer : tokenIssuer,
      jwt: jwtVerifier,
      issuer: () => configured ?? urls[environment],
      lifecycle,
    };
    apps[environment] = await buildApp(ctx, { logger: options.logger?.child({ environment }), plugins });
  }

  if (options.listen ?? true) {
    for (const environment of ENVIRONMENTS) {
      const port = environment === 'sandbox' ? config.sandboxPort : config.productionPort;
      await apps[environment].listen({ host: config.host, port });
      const addr = apps[environment].server.address();
      const boundPort = typeof addr === 'object' && addr ? addr.port : port;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      urls[environment] = `http://${host}:${boundPort}`;
    }
  } else {
    urls.sandbox = 'http://sandbox.test';
    urls.production = 'http://production.test';
  }

  const purge = setInterval(() => void purgeExpiredTokens(store, clock, options.logger), config.purgeIntervalSeconds * 1000);
  purge.unref();

  let closing: Promise<void> | undefined;
  return {
    store,
    hasher,
    apps,
    urls,
    close() {
      closing ??= (async () => {
        lifecycle.draining = true;
        clearInterval(purge);
        const drain = Promise.all(ENVIRONMENTS.map((e) => apps[e].close()));
        const grace = new Promise<void>((r) => setTimeout(r, config.shutdownGraceMs).unref());
        await Promise.race([drain, grace]);
        // Any socket still open after the grace period is cut, so the process can exit.
        for (const e of ENVIRONMENTS) apps[e].server.closeAllConnections();
        if (!options.store) await store.close();
      })();
      return closing;
    },
  };
}

/** Deletes expired tokens in bounded batches, yielding between batches, so no statement holds the lock long. */
export async function purgeExpiredTokens(store: Store, clock: Clock, logger?: Logger, batch = 1000): Promise<number> {
  let total = 0;
  try {
    // A day of slack after expiry keeps "expired" (not "unknown") answers available for a while.
    const before = clock.now() - 86_400;
    for (let i = 0; i < 1000; i++) {
      const n = await store.tokens.purgeExpired(before, batch);
      total += n;
      if (n < batch) break;
      await new Promise((r) => setImmediate(r));
    }
  } catch (err) {
    logger?.warn({ err: { message: (err as Error).message } }, 'token purge failed; will retry');
  }
  return total;
}
