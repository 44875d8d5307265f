import { AuthorizationCodeFlow } from './authorization-code.js';
import { ClientAssertionSigner, JWT_BEARER_ASSERTION_TYPE, type PrivateKeyJwtOptions } from './client-assertion.js';
import { DpopProver, type DpopOptions } from './dpop.js';
import { OAuthRequestError } from './errors.js';
import { resolveEndpoints, type Endpoints, type EnvironmentOption } from './environments.js';
import { DEFAULT_RETRY, errorFromResponse, postForm, type RetryOptions, type RetryPolicy, type Transport } from './http.js';
import { parseTokenResponse, type TokenResponse } from './token-response.js';

/** A source of Unix time in seconds. */
export interface Clock {
  now(): number;
}

export interface TokenClientOptions {
  /** The 24-character Client ID. */
  clientId: string;
  /** The 48-character Client Secret. Omit for a public client (authorization code with PKCE) or with `clientAuth`. */
  clientSecret?: string;
  /**
   * Authenticate with a signed JWT instead of a secret (`private_key_jwt`, RFC 7523 §2.2): every token, revocation
   * and introspection request carries a fresh `client_assertion`. Excludes `clientSecret` and `clientAuthMethod`.
   */
  clientAuth?: PrivateKeyJwtOptions;
  /**
   * Sender-constrained tokens (DPoP, RFC 9449): every token request carries a proof of this key, and `fetch` sends
   * `Authorization: DPoP` with a proof per request, so a stolen token is useless without the key. `true` makes an
   * ES256 key pair that lives as long as this client.
   */
  dpop?: true | DpopOptions;
  /** `'sandbox'`, `'production'` (the myPOS hosts) or explicit endpoint URLs. */
  environment: EnvironmentOption;
  /** Scope to ask for, for example `'webhooks'`. Omitted: the server grants the client's default (RFC 6749 §3.3). */
  scope?: string | readonly string[];
  /**
   * How the client authenticates at the token, revocation and introspection endpoints (RFC 6749 §2.3.1):
   * `client_secret_basic` (default; what the myPOS docs show) or `client_secret_post`.
   */
  clientAuthMethod?: 'client_secret_basic' | 'client_secret_post';
  /**
   * Renew this many seconds before the token expires (default 60), to absorb clock skew and request latency.
   * Capped at half the token's lifetime, so a short-lived token is still reused.
   */
  renewBeforeSeconds?: number;
  /** Lifetime assumed when a response has no `expires_in` (default 300 s). */
  defaultExpiresIn?: number;
  /** Bounded retries of network errors, 5xx and 429 (honouring `Retry-After`). */
  retry?: RetryOptions;
  /** Per-request timeout, ms (default 10 000). */
  timeoutMs?: number;
  /** Unix-seconds clock (default: the system clock). Injectable for tests. */
  clock?: Clock;
  /** The fetch implementation (default: the global `fetch`). */
  fetch?: typeof globalThis.fetch;
  /** How to wait between retries (default: a timer). */
  sleep?: (ms: number) => Promise<void>;
}

/** An introspection answer (RFC 7662 §2.2); only `active` is guaranteed. */
export interface IntrospectionResponse {
  active: boolean;
  scope?: string;
  client_id?: string;
  token_type?: string;
  exp?: number;
  iat?: number;
  iss?: string;
  sub?: string;
  [claim: string]: unknown;
}

interface CachedToken {
  accessToken: string;
  /** `DPoP` when the server bound the token to our key (RFC 9449 §5); `fetch` then proves possession. */
  dpopBound: boolean;
  response: TokenResponse;
  /** When to renew (clock seconds): expiry minus the skew margin. */
  renewAt: number;
}

const systemClock: Clock = { now: () => Math.floor(Date.now() / 1000) };
const timerSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A client of the myPOS auth API (and of mypos-auth): gets a client_credentials access token, caches it, renews it
 * before it expires, shares one request among concurrent callers, and retries transient failures with backoff.
 *
 * ```ts
 * const client = new TokenClient({ clientId, clientSecret, environment: 'sandbox', scope: 'webhooks' });
 * const res = await client.fetch('https://sandbox-webhook-api.mypos.com/v1/webhooks');
 * ```
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4 (client credentials grant)
 */
export class TokenClient {
  readonly clientId: string;
  readonly endpoints: Readonly<Endpoints>;
  readonly scope: string | undefined;
  /** Helpers for the authorization code flow with PKCE (RFC 6749 §4.1, RFC 7636). */
  readonly authorizationCode: AuthorizationCodeFlow;

  // Private fields: the secret and tokens never show up in console.log, util.inspect or JSON.stringify.
  readonly #secret: string | undefined;
  readonly #authMethod: 'client_secret_basic' | 'client_secret_post';
  readonly #assertions: ClientAssertionSigner | undefined;
  readonly #dpop: DpopProver | undefined;
  readonly #renewBefore: number;
  readonly #defaultExpiresIn: number;
  readonly #clock: Clock;
  readonly #transport: Transport;
  #cached: CachedToken | undefined;
  #inflight: Promise<CachedToken> | undefined;
  /** Bumped when the cache is dropped, so a request already in flight does not put a dropped token back. */
  #generation = 0;

  constructor(options: TokenClientOptions) {
    if (!options || typeof options.clientId !== 'string' || options.clientId === '') throw new TypeError('clientId is required');
    if (options.clientSecret !== undefined && (typeof options.clientSecret !== 'string' || options.clientSecret === '')) {
      throw new TypeError('clientSecret must be a non-empty string when given');
    }
    this.clientId = options.clientId;
    this.#secret = options.clientSecret;
    this.endpoints = Object.freeze(resolveEndpoints(options.environment));
    this.scope = normalizeScope(options.scope);
    this.#authMethod = options.clientAuthMethod ?? 'client_secret_basic';
    if (this.#authMethod !== 'client_secret_basic' && this.#authMethod !== 'client_secret_post') {
      throw new TypeError('clientAuthMethod must be client_secret_basic or client_secret_post');
    }
    if (options.clientAuth !== undefined) {
      if (options.clientAuth?.method !== 'private_key_jwt') throw new TypeError("clientAuth.method must be 'private_key_jwt'");
      // RFC 6749 §2.3: one authentication method per request.
      if (options.clientSecret !== undefined || options.clientAuthMethod !== undefined) {
        throw new TypeError('clientAuth replaces clientSecret and clientAuthMethod: give one or the other');
      }
      this.#assertions = new ClientAssertionSigner(this.clientId, options.clientAuth, this.endpoints.tokenUrl);
    }
    if (options.dpop !== undefined && (options.dpop as unknown) !== false) this.#dpop = new DpopProver(options.dpop);
    this.#renewBefore = nonNegative('renewBeforeSeconds', options.renewBeforeSeconds, 60);
    this.#defaultExpiresIn = nonNegative('defaultExpiresIn', options.defaultExpiresIn, 300);
    this.#clock = options.clock ?? systemClock;
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw new TypeError('No fetch available: pass options.fetch (Node.js ≥ 18 has one)');
    this.#transport = {
      fetch: fetchImpl,
      sleep: options.sleep ?? timerSleep,
      now: () => this.#clock.now(),
      timeoutMs: Math.max(1, nonNegative('timeoutMs', options.timeoutMs, 10_000)),
      retry: {
        retries: Math.floor(nonNegative('retry.retries', options.retry?.retries, DEFAULT_RETRY.retries)),
        baseDelayMs: nonNegative('retry.baseDelayMs', options.retry?.baseDelayMs, DEFAULT_RETRY.baseDelayMs),
        maxDelayMs: nonNegative('retry.maxDelayMs', options.retry?.maxDelayMs, DEFAULT_RETRY.maxDelayMs),
      },
      random: Math.random,
    };
    this.authorizationCode = new AuthorizationCodeFlow({
      clientId: this.clientId,
      endpoints: this.endpoints,
      scope: this.scope,
      tokenRequest: (params, policy) => this.#tokenRequest(params, policy),
    });
  }

  /**
   * An access token for `Authorization: Bearer` (with `dpop`, a bound token that only `fetch`, which adds the proof, can
   * use), from the cache while it is fresh; otherwise one request to the token endpoint, shared by every caller waiting
   * at that moment (single flight).
   *
   * @throws {OAuthRequestError} when the server refuses (`ERR_OAUTH_RESPONSE_ERROR`) or cannot be reached after retries.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4.2
   */
  async getToken(): Promise<string> {
    return (await this.#currentToken()).accessToken;
  }

  async #currentToken(): Promise<CachedToken> {
    const cached = this.#cached;
    if (cached && this.#clock.now() < cached.renewAt) return cached;
    return this.#renew();
  }

  /** Sends a copy of `request` with the token (and, for a DPoP-bound one, a proof; once more on `use_dpop_nonce`). */
  async #sendWithToken(request: Request, token: CachedToken): Promise<Response> {
    const dpop = token.dpopBound ? this.#dpop : undefined;
    if (!dpop) return this.#transport.fetch(withAuthorization(request.clone(), 'Bearer', token.accessToken));
    const send = async () => {
      const proof = await dpop.proof({ method: request.method, url: request.url, accessToken: token.accessToken }, this.#clock.now());
      const response = await this.#transport.fetch(withAuthorization(request.clone(), 'DPoP', token.accessToken, proof));
      return { response, nonce: dpop.rememberNonce(request.url, response.headers) };
    };
    const first = await send();
    if (!(first.nonce && challengeError(first.response) === 'use_dpop_nonce')) return first.response;
    await first.response.body?.cancel().catch(() => {});
    return (await send()).response;
  }

  /**
   * Asks the token endpoint for a new client_credentials token now, bypassing and leaving alone the cache. Returns the
   * whole token response (what `mypos-auth token` prints).
   *
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4.2
   */
  requestToken(): Promise<TokenResponse> {
    return this.#tokenRequest(this.#clientCredentialsParams(), 'idempotent');
  }

  /**
   * `fetch` with `Authorization: Bearer <token>` added, or for a DPoP-bound token `Authorization: DPoP <token>` and a
   * `DPoP` proof of this request's method and URL covering the token (RFC 9449 §7.1). When the resource server
   * answers 401 because the token is no longer good (RFC 6750 §3.1 `invalid_token`, or a 401 without any other error
   * code), the token is renewed once and the request sent again; a 401 `use_dpop_nonce` is answered once with a
   * proof carrying the server's nonce (RFC 9449 §9). The token goes to whatever URL is given: call this only for the
   * APIs it is meant for.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
   */
  async fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    const token = await this.#currentToken();
    const first = await this.#sendWithToken(request, token);
    if (!tokenRejected(first)) return first;
    await first.body?.cancel().catch(() => {});
    const fresh = await this.#renewAfterRejection(token.accessToken);
    return this.#sendWithToken(request, fresh);
  }

  /**
   * Revokes a token (RFC 7009). Without an argument, revokes the cached access token, if any, and drops it from the
   * cache, so the next `getToken()` asks for a new one. The cache is dropped before the request: a token meant to be
   * dead is not handed out again even when revocation fails.
   *
   * @param tokenTypeHint optional hint (RFC 7009 §2.1): `access_token` or `refresh_token`.
   * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
   */
  async revoke(token?: string, tokenTypeHint?: 'access_token' | 'refresh_token'): Promise<void> {
    const value = token ?? this.#cached?.accessToken;
    if (value === undefined) return;
    if (this.#cached?.accessToken === value) this.clearCache();
    const params = new URLSearchParams({ token: value });
    if (tokenTypeHint) params.set('token_type_hint', tokenTypeHint);
    const response = await this.#post(this.endpoints.revokeUrl, params, 'idempotent');
    // RFC 7009 §2.2: 200 means revoked or unknown; both are success.
    if (response.status !== 200) throw errorFromResponse(response, this.#clock.now());
  }

  /**
   * Asks the authorization server about a token (RFC 7662). A client sees its own tokens; anything else, and any
   * unknown, expired or revoked token, is `{ active: false }`.
   *
   * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.1
   */
  async introspect(token: string): Promise<IntrospectionResponse> {
    const response = await this.#post(this.endpoints.introspectUrl, new URLSearchParams({ token }), 'idempotent');
    const body = response.json as IntrospectionResponse | undefined;
    if (response.status !== 200) throw errorFromResponse(response, this.#clock.now());
    if (!body || typeof body !== 'object' || typeof body.active !== 'boolean') {
      throw new OAuthRequestError('ERR_OAUTH_INVALID_RESPONSE', {
        error: 'invalid_response',
        error_description: 'The introspection response has no boolean "active"',
        status: response.status,
      });
    }
    return body;
  }

  /** Forgets the cached token (without revoking it). */
  clearCache(): void {
    this.#cached = undefined;
    this.#generation++;
  }

  #renew(): Promise<CachedToken> {
    if (!this.#inflight) {
      const generation = this.#generation;
      const requestedAt = this.#clock.now();
      this.#inflight = this.requestToken()
        .then((response) => {
          const cached = this.#toCached(response, requestedAt);
          if (generation === this.#generation) this.#cached = cached;
          return cached;
        })
        .finally(() => {
          this.#inflight = undefined;
        });
    }
    return this.#inflight;
  }

  /** After a 401: if another caller already replaced the rejected token, use theirs; otherwise renew (single flight). */
  async #renewAfterRejection(rejected: string): Promise<CachedToken> {
    const cached = this.#cached;
    if (cached && cached.accessToken !== rejected && this.#clock.now() < cached.renewAt) return cached;
    if (cached?.accessToken === rejected) this.clearCache();
    return this.#renew();
  }

  #toCached(response: TokenResponse, requestedAt: number): CachedToken {
    const lifetime = response.expires_in ?? this.#defaultExpiresIn;
    // Counted from when the request was sent, so request latency eats into the margin rather than past expiry.
    const margin = Math.min(this.#renewBefore, lifetime / 2);
    const dpopBound = response.token_type.toLowerCase() === 'dpop';
    return { accessToken: response.access_token, dpopBound, response, renewAt: requestedAt + lifetime - margin };
  }

  #clientCredentialsParams(): URLSearchParams {
    const params = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.scope !== undefined) params.set('scope', this.scope);
    return params;
  }

  /**
   * A token request; with DPoP, proofed with our key (RFC 9449 §5), and sent once more with the server's nonce when
   * it answers `use_dpop_nonce` (§8: the server did nothing, so a code or refresh token is not spent).
   */
  async #tokenRequest(params: URLSearchParams, policy: RetryPolicy): Promise<TokenResponse> {
    const url = this.endpoints.tokenUrl;
    const dpop = this.#dpop;
    let response = await this.#post(url, params, policy, dpop);
    if (dpop) {
      const nonce = dpop.rememberNonce(url, response.headers);
      if (nonce && response.status === 400 && (response.json as { error?: unknown } | undefined)?.error === 'use_dpop_nonce') {
        response = await this.#post(url, params, policy, dpop);
        dpop.rememberNonce(url, response.headers);
      }
    }
    return parseTokenResponse(response, this.#clock.now(), dpop !== undefined);
  }

  /** A form POST with client authentication (RFC 6749 §2.3.1, RFC 7523 §2.2) and, given `dpop`, a DPoP proof. */
  #post(url: string, params: URLSearchParams, policy: RetryPolicy, dpop?: DpopProver) {
    return postForm(
      this.#transport,
      url,
      async () => {
        const headers: Record<string, string> = {};
        const form = new URLSearchParams(params);
        if (this.#assertions) {
          form.set('client_id', this.clientId);
          form.set('client_assertion_type', JWT_BEARER_ASSERTION_TYPE);
          form.set('client_assertion', await this.#assertions.assertion(this.#clock.now()));
        } else if (this.#secret === undefined) {
          // A public client identifies itself in the body (RFC 6749 §3.2.1) and proves nothing but PKCE.
          form.set('client_id', this.clientId);
        } else if (this.#authMethod === 'client_secret_post') {
          form.set('client_id', this.clientId);
          form.set('client_secret', this.#secret);
        } else {
          headers['authorization'] = basicAuthorization(this.clientId, this.#secret);
        }
        if (dpop) headers['dpop'] = await dpop.proof({ method: 'POST', url }, this.#clock.now());
        return { form, headers };
      },
      policy,
    );
  }
}

/**
 * `Basic base64(urlencode(id) ":" urlencode(secret))`. RFC 6749 §2.3.1 form-encodes both halves first; for myPOS's
 * alphanumeric credentials that changes nothing, and the colon is what the myPOS docs' examples use.
 */
export function basicAuthorization(clientId: string, secret: string): string {
  const enc = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
  return `Basic ${btoa(`${enc(clientId)}:${enc(secret)}`)}`;
}

function withAuthorization(request: Request, scheme: 'Bearer' | 'DPoP', token: string, proof?: string): Request {
  const headers = new Headers(request.headers);
  headers.set('authorization', `${scheme} ${token}`);
  if (proof !== undefined) headers.set('dpop', proof);
  return new Request(request, { headers });
}

/**
 * RFC 6750 §3.1: a 401 whose challenge says `invalid_token` means renew. A 401 with no error code at all is treated
 * the same (some APIs answer a bare 401 to an expired token); a 401 naming another error (`invalid_request`) is not.
 */
function tokenRejected(response: Response): boolean {
  if (response.status !== 401) return false;
  const error = challengeError(response);
  return error === undefined || error === 'invalid_token';
}

/** The `error` of a 401's `WWW-Authenticate` challenge (RFC 6750 §3, RFC 9449 §7.1), if any. */
function challengeError(response: Response): string | undefined {
  if (response.status !== 401) return undefined;
  const challenge = response.headers.get('www-authenticate') ?? '';
  return /\berror\s*=\s*"?([^",\s]+)"?/i.exec(challenge)?.[1];
}

function normalizeScope(scope: string | readonly string[] | undefined): string | undefined {
  if (scope === undefined) return undefined;
  const text = (typeof scope === 'string' ? scope.split(' ') : [...scope]).filter((s) => s !== '').join(' ');
  if (text === '') throw new TypeError('scope must name at least one scope when given');
  return text;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw new TypeError(`${name} must be a number ≥ 0`);
  return value;
}
