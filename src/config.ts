import { DATABASE_URL_FORMS, parseDatabaseUrl } from './storage/database-url.js';

/**
 * The one typed options object. Every setting has a documented default here; environment variables and CLI
 * flags map onto it, and unknown keys fail at start with a clear message.
 */
export interface Config {
  /** Database URL: `sqlite:PATH` (embedded default) or `postgres://…`. Env: DATABASE_URL. */
  db: string;
  /** Interface both listeners bind to. Env: HOST. */
  host: string;
  /** Port of the sandbox environment. Env: PORT. */
  sandboxPort: number;
  /** Port of the production environment. Env: PRODUCTION_PORT (default PORT + 1). */
  productionPort: number;
  /** Public issuer URL of the sandbox (behind a proxy); default `http://HOST:PORT` of its listener. */
  sandboxIssuer: string | undefined;
  /** Public issuer URL of production; default `http://HOST:PORT` of its listener. */
  productionIssuer: string | undefined;
  /**
   * The server key (hex or base64, ≥32 bytes) under which secrets and tokens are hashed. Env:
   * MYPOS_AUTH_SERVER_KEY. When absent with SQLite, a key is generated once and kept beside the database
   * (`server.key`, mode 0600); PostgreSQL deployments must give it, so every node shares it.
   */
  serverKey: string | undefined;
  /** Access token lifetime, seconds. */
  accessTokenTtl: number;
  /** Refresh token absolute lifetime, seconds (30 days): rotation never extends a grant past it. */
  refreshTokenTtl: number;
  /** Refresh token idle lifetime, seconds (14 days): a refresh token unused this long dies. */
  refreshTokenIdleTtl: number;
  /**
   * Seconds a just-rotated refresh token may be exchanged again without counting as reuse (for clients that
   * retry after a lost response). 0, the default, is strict RFC 9700 §4.14.2 rotation.
   */
  refreshGraceSeconds: number;
  /** Authorization code lifetime, seconds (60; at most 600, RFC 6749 §4.1.2). */
  authorizationCodeTtl: number;
  /**
   * Lifetime of a pushed authorization request's request_uri, seconds (300; 1–600, RFC 9126 §2.2). It is used when
   * the merchant answers the consent page, so it covers logging in and reading the page.
   */
  pushedAuthorizationRequestTtl: number;
  /**
   * The Webhook API's resource indicator in the sandbox (RFC 8707 §2), the `resource` value that restricts a token
   * to it; default the sandbox issuer URL (the Webhook API is served on the same host). Flag: --sandbox-webhook-resource.
   */
  sandboxWebhookResource: string | undefined;
  /** The same for production; default the production issuer URL. Flag: --production-webhook-resource. */
  productionWebhookResource: string | undefined;
  /**
   * Resource indicators of further sandbox resource servers (running apart, checking tokens by introspection) that
   * a client may name in `resource`; a token restricted to them is refused at the Webhook API. Flag:
   * --sandbox-resource-server (repeatable).
   */
  sandboxResourceServers: string[];
  /** The same for production. Flag: --production-resource-server (repeatable). */
  productionResourceServers: string[];
  /** Failed client authentications allowed per (client_id, IP) per minute before 429. */
  clientFailuresPerMinute: number;
  /** Failed client authentications allowed per IP per minute before 429. */
  ipFailuresPerMinute: number;
  /**
   * Failed Web Account logins allowed per account (the email as typed) per minute, counted in the database across
   * every server process; used only when processes share the store (PostgreSQL, or workers > 1). Keep it above one
   * process's own throttle (5 per account before delays start) so no single node reaches it first.
   * Flag: --login-failures-per-account-per-minute.
   */
  loginFailuresPerAccountPerMinute: number;
  /**
   * Failed Web Account logins allowed per IP per minute across every server process (as above; one process's own
   * throttle delays after 30). Flag: --login-failures-per-ip-per-minute.
   */
  loginFailuresPerIpPerMinute: number;
  /** Introspection requests allowed per calling client per second (RFC 7662 §4), per process; bursts up to 2×. */
  introspectionPerSecond: number;
  /** Largest request body, bytes (64 KiB); larger ones get 413 and reading stops at the cap. */
  bodyLimit: number;
  /** Time to receive all request headers, ms (slowloris guard; Node's 60 s default is too lax). */
  headersTimeoutMs: number;
  /** Time to receive a whole request, ms. */
  requestTimeoutMs: number;
  /** How long SIGTERM waits for in-flight requests before closing anyway, ms (below a typical 30 s grace). */
  shutdownGraceMs: number;
  /**
   * After SIGTERM, how long the listeners keep serving (readiness already 503, every response with
   * `Connection: close`) before they close, ms: keep-alive clients move off their sockets instead of
   * having them closed under a request.
   */
  drainDelayMs: number;
  /** Trust X-Forwarded-For from a proxy in front (for per-IP limits and audit). */
  trustProxy: boolean;
  /** pino level: fatal, error, warn, info, debug, trace, silent. Env: LOG_LEVEL. */
  logLevel: string;
  /** Seconds between purges of expired tokens; each purge deletes in bounded batches. */
  purgeIntervalSeconds: number;
  /** Web Account sign-ups allowed per IP (each costs an argon2 hash) before growing delays; counts fade after an hour. */
  signupsPerIp: number;
  /** Seconds between writes of the in-memory usage counters (tokens issued, failed authentications). */
  usageFlushSeconds: number;
  /** Create and print a demo sandbox client when the database has no clients (npm start). */
  demoClient: boolean;
  /**
   * Apply pending PostgreSQL migrations at start. Off by default: a node refuses to start on an unmigrated
   * database, and `mypos-auth migrate` is the deliberate step. (SQLite always migrates at open.)
   */
  migrate: boolean;
  /** Worker processes (node:cluster) sharing the listeners; 1 runs in-process. */
  workers: number;
  /** Collect Prometheus metrics (served at GET /metrics on the management listener, never on the public ones). */
  metrics: boolean;
  /**
   * Port of the management listener that `serve` opens for GET /metrics (9464, the Prometheus exporter
   * convention); 0 opens none. Flag: --metrics-port.
   */
  metricsPort: number;
  /** Interface of the management listener (loopback: scrape it from this machine or a sidecar). Flag: --metrics-host. */
  metricsHost: string;
  /** Longest a webhook delivery may take (connect, send, response status), ms; slower receivers count as failed. */
  webhookDeliveryTimeoutMs: number;
  /** Webhook deliveries in flight at once per process (each webhook has at most one, across all processes). */
  webhookMaxConcurrency: number;
  /** How often the delivery worker looks for due notifications, ms (new fakes are picked up at once). */
  webhookPollIntervalMs: number;
  /**
   * DANGEROUS. Lets webhooks point anywhere: http in production, loopback, private and link-local addresses
   * (server-side request forgery into your own network). For closed test setups only. Flag:
   * --dangerously-allow-any-webhook-target.
   */
  dangerouslyAllowAnyWebhookTarget: boolean;
  /**
   * Access token format per environment: `opaque` (42 random characters, looked up by digest; the default) or `jwt`
   * (RFC 9068, ES256, verifiable against /.well-known/jwks.json and still revocable). Env:
   * MYPOS_AUTH_ACCESS_TOKEN_FORMAT, as `jwt`, `opaque` or `sandbox=jwt,production=opaque`.
   */
  accessTokenFormat: Record<'sandbox' | 'production', AccessTokenFormat>;
  /** How long one JWT signing key signs before the next takes over, seconds (30 days). */
  signingKeyRotationSeconds: number;
  /**
   * How long before it signs a new key is published in the JWKS, seconds (1 day): longer than any resource server
   * caches the JWKS, so none meets a token whose key it has not seen. Less than the rotation period.
   */
  signingKeyPublishAheadSeconds: number;
  /**
   * How old a DPoP proof may be, seconds (RFC 9449 §11.1: its `iat` within a window); a few seconds into the
   * future are allowed for clock skew. Its `jti` is remembered this long, across nodes.
   */
  dpopProofMaxAgeSeconds: number;
  /**
   * Ask for server-issued nonces in DPoP proofs (RFC 9449 §8, §9): at the token endpoint and the Webhook API a
   * proof without the current nonce gets `use_dpop_nonce` with a `DPoP-Nonce` header. Off by default: it costs
   * a client one retry per nonce period. Flag: --dpop-nonce.
   */
  dpopNonce: boolean;
}

export type AccessTokenFormat = 'opaque' | 'jwt';

export const DEFAULT_CONFIG: Readonly<Config> = Object.freeze({
  db: 'sqlite:./data/mypos-auth.db',
  host: '127.0.0.1',
  sandboxPort: 8080,
  productionPort: 8081,
  sandboxIssuer: undefined,
  productionIssuer: undefined,
  serverKey: undefined,
  accessTokenTtl: 3600,
  refreshTokenTtl: 30 * 24 * 3600,
  refreshTokenIdleTtl: 14 * 24 * 3600,
  refreshGraceSeconds: 0,
  authorizationCodeTtl: 60,
  pushedAuthorizationRequestTtl: 300,
  sandboxWebhookResource: undefined,
  productionWebhookResource: undefined,
  sandboxResourceServers: Object.freeze([]) as unknown as string[],
  productionResourceServers: Object.freeze([]) as unknown as string[],
  clientFailuresPerMinute: 30,
  ipFailuresPerMinute: 300,
  loginFailuresPerAccountPerMinute: 6,
  loginFailuresPerIpPerMinute: 60,
  introspectionPerSecond: 5000,
  bodyLimit: 64 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  shutdownGraceMs: 25_000,
  drainDelayMs: 1000,
  trustProxy: false,
  logLevel: 'info',
  purgeIntervalSeconds: 300,
  usageFlushSeconds: 5,
  signupsPerIp: 10,
  demoClient: false,
  migrate: false,
  workers: 1,
  metrics: true,
  metricsPort: 9464,
  metricsHost: '127.0.0.1',
  webhookDeliveryTimeoutMs: 10_000,
  webhookMaxConcurrency: 16,
  webhookPollIntervalMs: 1000,
  dangerouslyAllowAnyWebhookTarget: false,
  accessTokenFormat: Object.freeze({ sandbox: 'opaque', production: 'opaque' }) as Config['accessTokenFormat'],
  signingKeyRotationSeconds: 30 * 24 * 3600,
  signingKeyPublishAheadSeconds: 24 * 3600,
  dpopProofMaxAgeSeconds: 60,
  dpopNonce: false,
});

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Merges partial options over the defaults and validates; throws one message naming every problem. */
export function resolveConfig(partial: Record<string, unknown>): Config {
  const problems: string[] = [];
  for (const key of Object.keys(partial)) {
    if (!(key in DEFAULT_CONFIG)) problems.push(`unknown option "${key}"`);
  }
  const merged = { ...DEFAULT_CONFIG } as Record<string, unknown>;
  for (const [k, v] of Object.entries(partial)) if (v !== undefined && k in DEFAULT_CONFIG) merged[k] = v;
  const c = merged as unknown as Config;

  const port = (name: keyof Config) => {
    const v = c[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) problems.push(`${name} must be a port number (0-65535)`);
  };
  const positive = (name: keyof Config) => {
    const v = c[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) problems.push(`${name} must be a positive whole number`);
  };
  port('sandboxPort');
  port('productionPort');
  port('metricsPort');
  for (const k of ['accessTokenTtl', 'refreshTokenTtl', 'clientFailuresPerMinute', 'ipFailuresPerMinute', 'bodyLimit',
    'headersTimeoutMs', 'requestTimeoutMs', 'introspectionPerSecond', 'shutdownGraceMs', 'purgeIntervalSeconds', 'workers',
    'webhookDeliveryTimeoutMs', 'webhookMaxConcurrency', 'webhookPollIntervalMs', 'usageFlushSeconds', 'signupsPerIp',
    'loginFailuresPerAccountPerMinute', 'loginFailuresPerIpPerMinute',
    'signingKeyRotationSeconds', 'signingKeyPublishAheadSeconds', 'dpopProofMaxAgeSeconds'] as const) positive(k);
  if (typeof c.dpopNonce !== 'boolean') problems.push('dpopNonce must be true or false');
  if (!Number.isInteger(c.drainDelayMs) || c.drainDelayMs < 0) problems.push('drainDelayMs must be a whole number ≥ 0');
  if (!Number.isInteger(c.refreshGraceSeconds) || c.refreshGraceSeconds < 0) problems.push('refreshGraceSeconds must be a whole number ≥ 0');
  if (!Number.isInteger(c.authorizationCodeTtl) || c.authorizationCodeTtl < 1 || c.authorizationCodeTtl > 600) problems.push('authorizationCodeTtl must be 1-600 seconds (RFC 6749 §4.1.2)');
  if (!Number.isInteger(c.pushedAuthorizationRequestTtl) || c.pushedAuthorizationRequestTtl < 1 || c.pushedAuthorizationRequestTtl > 600) {
    problems.push('pushedAuthorizationRequestTtl must be 1-600 seconds (RFC 9126 §2.2)');
  }
  for (const k of ['sandboxWebhookResource', 'productionWebhookResource'] as const) {
    const v = c[k];
    if (v !== undefined && !isResourceUrl(v)) problems.push(`${k} must be an http(s) URL without a fragment (RFC 8707 §2)`);
  }
  for (const k of ['sandboxResourceServers', 'productionResourceServers'] as const) {
    const v = c[k] as unknown;
    if (!Array.isArray(v) || !v.every(isResourceUrl)) problems.push(`${k} must be a list of http(s) URLs without a fragment (RFC 8707 §2)`);
  }
  if (typeof c.refreshTokenIdleTtl !== 'number' || c.refreshTokenIdleTtl <= 0) problems.push('refreshTokenIdleTtl must be positive');
  if (typeof c.dangerouslyAllowAnyWebhookTarget !== 'boolean') problems.push('dangerouslyAllowAnyWebhookTarget must be true or false');
  const format = c.accessTokenFormat as unknown;
  if (
    typeof format !== 'object' || format === null ||
    Object.keys(format).sort().join(',') !== 'production,sandbox' ||
    !Object.values(format).every((v) => v === 'opaque' || v === 'jwt')
  ) {
    problems.push('accessTokenFormat must be { sandbox: "opaque"|"jwt", production: "opaque"|"jwt" }');
  }
  if (c.signingKeyPublishAheadSeconds >= c.signingKeyRotationSeconds) {
    problems.push('signingKeyPublishAheadSeconds must be less than signingKeyRotationSeconds');
  }
  if (typeof c.db !== 'string' || c.db === '') problems.push(`db must be a database URL: ${DATABASE_URL_FORMS}`);
  else {
    try {
      parseDatabaseUrl(c.db);
    } catch (err) {
      problems.push(`db: ${(err as Error).message}`);
    }
  }
  if (typeof c.host !== 'string' || c.host === '') problems.push('host must be an interface address');
  if (typeof c.metricsHost !== 'string' || c.metricsHost === '') problems.push('metricsHost must be an interface address');
  for (const k of ['sandboxIssuer', 'productionIssuer'] as const) {
    const v = c[k];
    if (v !== undefined && (typeof v !== 'string' || !/^https?:\/\/[^/?#]+(\/[^?#]*)?$/.test(v))) {
      problems.push(`${k} must be an http(s) URL without query or fragment (RFC 8414 §2)`);
    }
  }
  if (!LOG_LEVELS.includes(String(c.logLevel))) problems.push(`logLevel must be one of ${LOG_LEVELS.join(', ')}`);
  if (c.serverKey !== undefined && decodeServerKey(String(c.serverKey)) === undefined) {
    problems.push('serverKey must be at least 32 bytes, hex or base64 encoded');
  }
  if (c.sandboxPort !== 0 && c.sandboxPort === c.productionPort) problems.push('sandboxPort and productionPort must differ');
  if (c.metricsPort !== 0 && (c.metricsPort === c.sandboxPort || c.metricsPort === c.productionPort)) {
    problems.push('metricsPort must differ from sandboxPort and productionPort');
  }
  if (problems.length) throw new ConfigError(problems);
  return c;
}

/** A resource indicator this server can be configured with: an http(s) URL, no fragment, no whitespace. */
const isResourceUrl = (v: unknown): boolean => typeof v === 'string' && /^https?:\/\/[^/?#\s]+([/?][^#\s]*)?$/.test(v);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
  }
}

/** Hex (64+ chars) or base64 (≥32 bytes) → key bytes; undefined when neither. */
export function decodeServerKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64,}$/.test(t) && t.length % 2 === 0) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(t)) {
    const b = Buffer.from(t, 'base64');
    if (b.length >= 32) return b;
  }
  return undefined;
}

/** Maps the documented environment variables onto options (flags given on the command line win). */
export function configFromEnv(env: NodeJS.ProcessEnv): Partial<Config> {
  const out: Partial<Config> = {};
  if (env.DATABASE_URL) out.db = env.DATABASE_URL;
  if (env.HOST) out.host = env.HOST;
  if (env.PORT) {
    out.sandboxPort = Number(env.PORT);
    out.productionPort = Number(env.PORT) + 1;
  }
  if (env.PRODUCTION_PORT) out.productionPort = Number(env.PRODUCTION_PORT);
  if (env.MYPOS_AUTH_SERVER_KEY) out.serverKey = env.MYPOS_AUTH_SERVER_KEY;
  if (env.LOG_LEVEL) out.logLevel = env.LOG_LEVEL;
  if (env.MYPOS_AUTH_ACCESS_TOKEN_FORMAT) out.accessTokenFormat = parseAccessTokenFormat(env.MYPOS_AUTH_ACCESS_TOKEN_FORMAT);
  return out;
}

/**
 * `jwt` / `opaque` (both environments) or `sandbox=jwt,production=opaque` (unnamed ones stay opaque). A value that is
 * neither is passed through as given, so resolveConfig names it in its error.
 */
export function parseAccessTokenFormat(text: string): Config['accessTokenFormat'] {
  const t = text.trim();
  if (t === 'jwt' || t === 'opaque') return { sandbox: t, production: t };
  const out: Record<string, string> = { sandbox: 'opaque', production: 'opaque' };
  for (const part of t.split(',')) {
    const [env, value] = part.split('=').map((x) => x.trim());
    out[env ?? ''] = value ?? '';
  }
  return out as Config['accessTokenFormat'];
}
