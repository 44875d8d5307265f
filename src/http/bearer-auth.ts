import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  authenticateBearer,
  splitScope,
  type BearerOptions,
  type BearerPrincipal,
  type ResourceRequest,
  type TokenCheck,
  type TokenValidator,
} from '../core/bearer.js';
import { systemClock, type Clock } from '../core/clock.js';
import { ApiError, NotFoundError } from '../core/api-error.js';
import { TemporarilyUnavailableError } from '../core/errors.js';
import { audienceAllows } from '../core/resource.js';
import { authorizationField } from './authorization-field.js';
import { dpopField } from './dpop-proof.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller behind the bearer token, set by the bearer-auth hook. */
    bearer: BearerPrincipal | null;
  }
}

interface BearerAuthOptions extends BearerOptions {
  /**
   * The public origin (and any path prefix) the client addresses, e.g. `https://api.example`: a DPoP proof's
   * `htu` is checked against it plus the request path (RFC 9449 §4.3 check 9). Default: the request's own
   * scheme and Host, which a proxy in front may have changed.
   */
  publicUrl?: () => string;
}

/**
 * RFC 6750 (and RFC 9449 §7 for DPoP-bound tokens, given `dpop`) as a Fastify hook: checks
 * `Authorization: Bearer …` or `Authorization: DPoP …` with its proof and sets `request.bearer`, or answers with
 * the exact status, JSON body and `WWW-Authenticate` challenge itself, so it works in any Fastify app, not only
 * ours. Use it as an `onRequest` hook, so an unauthenticated request is refused before its body is read.
 */
export function bearerAuth(options: BearerAuthOptions): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> {
  return async (request, reply) => {
    try {
      const resource = options.dpop ? resourceRequest(request, options.publicUrl) : undefined;
      request.bearer = await authenticateBearer(authorizationField(request), options, resource);
      return undefined;
    } catch (err) {
      // Anything else (a storage outage) goes to the app's error handler: ours answers 503.
      if (!(err instanceof ApiError)) throw err;
      return sendError(reply, err);
    }
  };
}

/**
 * The same as an encapsulated plugin: every route registered inside `routes` (and the scope's 404s) is
 * protected. `app.register(bearerAuthPlugin, { prefix: '/v1', bearer, routes })`.
 */
export async function bearerAuthPlugin(
  scope: FastifyInstance,
  opts: { bearer: BearerAuthOptions; routes: (scope: FastifyInstance) => void | Promise<void> },
): Promise<void> {
  const hook = bearerAuth(opts.bearer);
  scope.decorateRequest('bearer', null);
  scope.addHook('onRequest', hook);
  // An unknown path under the prefix answers like a known one to a caller without a good token.
  scope.setNotFoundHandler({ preHandler: hook }, async (_request, reply) => sendError(reply, new NotFoundError()));
  await opts.routes(scope);
}

/** The request as a DPoP proof describes it: method, absolute URI, and the `DPoP` field. */
function resourceRequest(request: FastifyRequest, publicUrl: (() => string) | undefined): ResourceRequest {
  const base = publicUrl ? publicUrl() : `${request.protocol}://${request.host}`;
  const q = request.url.indexOf('?');
  return { method: request.method, url: base + (q === -1 ? request.url : request.url.slice(0, q)), dpop: dpopField(request) };
}

/** Answers by itself rather than through the app's error handler, so the hook works in any Fastify app. */
function sendError(reply: FastifyReply, err: ApiError): FastifyReply {
  for (const [k, v] of Object.entries(err.headers)) reply.header(k, v);
  return reply.code(err.status).type('application/json').send(err.body());
}

interface IntrospectionValidatorOptions {
  /** The authorization server's introspection endpoint, e.g. `https://sandbox-auth…/oauth/introspect`. */
  endpoint: string;
  /** Credentials of a client registered as a resource server (RFC 7662 §2.1). */
  clientId: string;
  clientSecret: string;
  /**
   * How long an answer may be reused, seconds. Default 0: every request asks, so a revocation takes effect
   * on the next request. With N > 0 a revoked token can be accepted for at most N more seconds.
   */
  cacheMaxAgeSeconds?: number;
  /** Most answers kept; the oldest go first. */
  cacheMaxEntries?: number;
  /** Time allowed for one introspection call, ms. */
  timeoutMs?: number;
  /**
   * This resource server's resource indicator (RFC 8707): a token whose `aud` does not name it is refused. A token
   * without `aud` is unrestricted and passes.
   */
  audience?: string;
  clock?: Clock;
  fetch?: typeof fetch;
}

interface CacheEntry {
  check: TokenCheck;
  until: number;
}

/**
 * Validates tokens by asking the authorization server (RFC 7662), for a resource server that does not share
 * its database. Fails closed: when the endpoint cannot answer, the request gets 503, never a pass.
 * Introspection answers `{"active": false}` alike for expired, revoked and unknown tokens (§2.2), so an
 * expired token is reported as such only when a cached answer shows its `exp` has passed. A DPoP-bound token
 * (`token_type: DPoP` with `cnf.jkt`, RFC 9449 §6.2) passes only through a hook given a `dpop` verifier, with a
 * proof of its key; as a bearer token it is refused.
 */
export class IntrospectionTokenValidator implements TokenValidator {
  readonly #cache = new Map<string, CacheEntry>();
  readonly #maxAge: number;
  readonly #maxEntries: number;
  readonly #clock: Clock;
  readonly #fetch: typeof fetch;
  readonly #authorization: string;

  constructor(private readonly options: IntrospectionValidatorOptions) {
    this.#maxAge = options.cacheMaxAgeSeconds ?? 0;
    if (!Number.isInteger(this.#maxAge) || this.#maxAge < 0) throw new Error('cacheMaxAgeSeconds must be a whole number ≥ 0');
    this.#maxEntries = options.cacheMaxEntries ?? 10_000;
    this.#clock = options.clock ?? systemClock;
    this.#fetch = options.fetch ?? fetch;
    const enc = (s: string) => encodeURIComponent(s);
    this.#authorization = 'Basic ' + Buffer.from(`${enc(options.clientId)}:${enc(options.clientSecret)}`).toString('base64');
  }

  async validate(token: string): Promise<TokenCheck> {
    const now = this.#clock.now();
    // Keyed by a digest, so the cache never holds a usable token.
    const key = createHash('sha256').update(token).digest('base64url');
    const cached = this.#cache.get(key);
    if (cached && cached.until > now) {
      if (cached.check.active && cached.check.expiresAt <= now) return { active: false, reason: 'expired' };
      return cached.check;
    }
    if (cached) this.#cache.delete(key);
    const check = await this.#introspect(token, now);
    if (this.#maxAge > 0) this.#remember(key, check, now);
    return check;
  }

  async #introspect(token: string, now: number): Promise<TokenCheck> {
    let res: Response;
    try {
      res = await this.#fetch(this.options.endpoint, {
        method: 'POST',
        headers: { authorization: this.#authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ token }).toString(),
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
    } catch {
      throw new TemporarilyUnavailableError(5, 'The token could not be checked');
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      throw new TemporarilyUnavailableError(5, 'The token could not be checked');
    }
    const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    if (!body || body.active !== true) return { active: false, reason: 'invalid' };
    const exp = typeof body.exp === 'number' ? body.exp : undefined;
    // Only an access token is a credential: the answer must say so itself (RFC 7662 §2.2 token_type; token types
    // are case-insensitive, RFC 6749 §7.1). A refresh token, or an answer that does not say, is refused.
    const tokenType = typeof body.token_type === 'string' ? body.token_type.toLowerCase() : undefined;
    if (tokenType !== 'bearer' && tokenType !== 'dpop') return { active: false, reason: 'invalid' };
    // RFC 9449 §6.2: a DPoP token names its key; one that does not cannot be checked, so it is refused.
    const jkt = (body.cnf as { jkt?: unknown } | undefined)?.jkt;
    if (tokenType === 'dpop' && (typeof jkt !== 'string' || jkt === '')) return { active: false, reason: 'invalid' };
    if (typeof body.client_id !== 'string' || exp === undefined) return { active: false, reason: 'invalid' };
    if (exp <= now) return { active: false, reason: 'expired' };
    if (this.options.audience !== undefined && !audienceAllows(audienceOf(body.aud), this.options.audience)) return { active: false, reason: 'audience' };
    const scope = typeof body.scope === 'string' ? body.scope : '';
    return { active: true, clientId: body.client_id, scopes: splitScope(scope), expiresAt: exp, jkt: tokenType === 'dpop' ? (jkt as string) : null };
  }

  #remember(key: string, check: TokenCheck, now: number): void {
    this.#cache.set(key, { check, until: now + this.#maxAge });
    // Map order is insertion order: past the cap, the oldest answers go.
    while (this.#cache.size > this.#maxEntries) this.#cache.delete(this.#cache.keys().next().value as string);
  }
}

/** RFC 7662 §2.2 `aud`: a string or a list of strings; absent is unrestricted; anything else names nobody. */
function audienceOf(aud: unknown): string[] | null {
  if (aud === undefined) return null;
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
}
