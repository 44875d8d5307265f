import { createPublicKey, verify as verifySignature, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { Clock } from './token-client.js';

/** The stable codes a {@link JwtVerificationError} can carry (named after jose's). */
export type JwtVerificationErrorCode =
  /** Not a compact JWS with JSON header and payload. */
  | 'ERR_JWT_MALFORMED'
  /** The header is not an RFC 9068 access token header: `typ` not `at+jwt`, `alg` not ES256, no `kid`, or a `crit`. */
  | 'ERR_JWT_HEADER'
  /** No key with that `kid` in the JWKS, even after fetching it again. */
  | 'ERR_JWKS_NO_MATCHING_KEY'
  /** The JWKS could not be fetched or is not a JWK set. */
  | 'ERR_JWKS_FETCH'
  /** The signature does not verify. */
  | 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'
  /** `exp` is past (beyond the tolerance). */
  | 'ERR_JWT_EXPIRED'
  /** A claim is missing or wrong: `iss`, `aud`, `iat`/`nbf` in the future, `sub`, `client_id`, `jti`. */
  | 'ERR_JWT_CLAIM_VALIDATION_FAILED';

export class JwtVerificationError extends Error {
  override readonly name = 'JwtVerificationError';
  constructor(
    readonly code: JwtVerificationErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The claims of an RFC 9068 access token. */
export interface AccessTokenClaims {
  iss: string;
  aud: string | string[];
  sub: string;
  client_id: string;
  scope?: string;
  jti: string;
  iat: number;
  exp: number;
  [claim: string]: unknown;
}

export interface AccessTokenVerifierOptions {
  /** The authorization server's issuer identifier; `iss` must equal it. */
  issuer: string;
  /** This resource server's identifier; `aud` must contain it. mypos-auth uses its issuer URL. */
  audience: string;
  /** Default: `<issuer>/.well-known/jwks.json`. */
  jwksUri?: string;
  /** Leeway for `exp`, `iat` and `nbf`, seconds (default 30). */
  clockToleranceSeconds?: number;
  /** How long a fetched JWKS is trusted, seconds (default 300, the server's max-age). */
  jwksCacheSeconds?: number;
  /** Unix-seconds clock (default: the system clock). */
  clock?: Clock;
  fetch?: typeof globalThis.fetch;
}

/** An unknown kid refetches the JWKS at most this often, so made-up kids cannot make every request a fetch. */
const UNKNOWN_KID_COOLDOWN_SECONDS = 30;

/**
 * Validates JWT access tokens locally (RFC 9068 §4) against the authorization server's JWKS: `typ: at+jwt`, ES256,
 * signature by a published key, `iss`, `aud`, `exp`, `iat`. The JWKS is cached and fetched again when a token names
 * an unknown `kid` (keys rotate: the server publishes the next key ahead of use).
 *
 * Local validation cannot see revocation: a revoked token stays valid here until it expires. Where that matters,
 * ask the server (`TokenClient.introspect`, RFC 7662).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
 */
export class AccessTokenVerifier {
  readonly #o: Required<Omit<AccessTokenVerifierOptions, 'fetch' | 'clock'>>;
  readonly #clock: Clock;
  readonly #fetch: typeof globalThis.fetch;
  #keys = new Map<string, KeyObject>();
  /** When the JWKS was last fetched successfully, and when a fetch was last tried. */
  #fetchedAt: number | undefined;
  #attemptedAt: number | undefined;
  #inflight: Promise<void> | undefined;

  constructor(options: AccessTokenVerifierOptions) {
    if (!options?.issuer || !options.audience) throw new TypeError('issuer and audience are required');
    this.#o = {
      issuer: options.issuer,
      audience: options.audience,
      jwksUri: options.jwksUri ?? `${options.issuer.replace(/\/$/, '')}/.well-known/jwks.json`,
      clockToleranceSeconds: options.clockToleranceSeconds ?? 30,
      jwksCacheSeconds: options.jwksCacheSeconds ?? 300,
    };
    this.#clock = options.clock ?? { now: () => Math.floor(Date.now() / 1000) };
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /**
   * The token's claims, or a {@link JwtVerificationError} saying why it is not good.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
   */
  async verify(token: string): Promise<AccessTokenClaims> {
    const parts = typeof token === 'string' ? token.split('.') : [];
    if (parts.length !== 3 || !parts.every((p) => /^[A-Za-z0-9_-]*$/.test(p)) || !parts[0] || !parts[1]) {
      throw new JwtVerificationError('ERR_JWT_MALFORMED', 'Not a compact JWS');
    }
    const [h, p, s] = parts as [string, string, string];
    const header = decodeJson(h) as { typ?: unknown; alg?: unknown; kid?: unknown; crit?: unknown };
    // RFC 9068 §4: typ must be at+jwt (so an ID token or other JWT cannot pass as an access token); RFC 8725 §3.1: one
    // expected algorithm, never "none".
    if (typeof header.typ !== 'string' || !['at+jwt', 'application/at+jwt'].includes(header.typ.toLowerCase())) {
      throw new JwtVerificationError('ERR_JWT_HEADER', 'typ is not at+jwt');
    }
    if (header.alg !== 'ES256') throw new JwtVerificationError('ERR_JWT_HEADER', 'alg is not ES256');
    if (typeof header.kid !== 'string' || header.kid === '') throw new JwtVerificationError('ERR_JWT_HEADER', 'no kid');
    // RFC 7515 §4.1.11: `crit` lists extensions the recipient must understand or reject; this verifier knows none.
    if (header.crit !== undefined) throw new JwtVerificationError('ERR_JWT_HEADER', 'crit names an extension this verifier does not understand');

    const key = await this.#key(header.kid);
    const signature = Buffer.from(s, 'base64url');
    const ok = signature.length === 64 && verifySignature('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, signature);
    if (!ok) throw new JwtVerificationError('ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'The signature does not verify');

    const claims = decodeJson(p) as Partial<AccessTokenClaims>;
    const now = this.#clock.now();
    const tolerance = this.#o.clockToleranceSeconds;
    const fail = (why: string) => new JwtVerificationError('ERR_JWT_CLAIM_VALIDATION_FAILED', why);
    if (claims.iss !== this.#o.issuer) throw fail('iss is not the expected issuer');
    const aud = claims.aud;
    if (!(aud === this.#o.audience || (Array.isArray(aud) && aud.includes(this.#o.audience)))) throw fail('aud does not name this resource server');
    if (typeof claims.exp !== 'number') throw fail('no exp');
    if (claims.exp <= now - tolerance) throw new JwtVerificationError('ERR_JWT_EXPIRED', 'The token has expired');
    if (typeof claims.iat !== 'number' || claims.iat > now + tolerance) throw fail('iat is missing or in the future');
    if (typeof claims.nbf === 'number' && claims.nbf > now + tolerance) throw fail('nbf is in the future');
    for (const name of ['sub', 'client_id', 'jti'] as const) {
      if (typeof claims[name] !== 'string' || claims[name] === '') throw fail(`no ${name}`);
    }
    if (claims.scope !== undefined && typeof claims.scope !== 'string') throw fail('scope is not a string');
    return claims as AccessTokenClaims;
  }

  async #key(kid: string): Promise<KeyObject> {
    const now = this.#clock.now();
    const mayFetch = this.#attemptedAt === undefined || now - this.#attemptedAt >= UNKNOWN_KID_COOLDOWN_SECONDS || now < this.#attemptedAt;
    const stale = this.#fetchedAt === undefined || now - this.#fetchedAt >= this.#o.jwksCacheSeconds || now < this.#fetchedAt;
    // Refetch when the cache is stale, or for a kid we have not seen (the server may have rotated); either way at most
    // once per cooldown, so neither an unreachable server nor made-up kids turn every request into a fetch.
    if (this.#inflight) {
      await this.#inflight.catch(() => {}); // another caller is fetching: share its answer
    } else if (mayFetch && (stale || !this.#keys.has(kid))) {
      try {
        await this.#refresh();
      } catch (err) {
        // A failed refresh keeps the keys we had; with none at all, the failure is the answer.
        if (this.#fetchedAt === undefined) throw err;
      }
    }
    const key = this.#keys.get(kid);
    if (!key) {
      if (this.#fetchedAt === undefined) throw new JwtVerificationError('ERR_JWKS_FETCH', 'The JWKS could not be fetched yet');
      throw new JwtVerificationError('ERR_JWKS_NO_MATCHING_KEY', 'No published key has this kid');
    }
    return key;
  }

  /** One fetch at a time (single flight). */
  #refresh(): Promise<void> {
    this.#inflight ??= (async () => {
      this.#attemptedAt = this.#clock.now();
      try {
        let body: { keys?: unknown };
        try {
          const res = await this.#fetch(this.#o.jwksUri, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
          if (!res.ok) throw new Error(`HTTP ${res.status}`);
          body = (await res.json()) as { keys?: unknown };
        } catch (err) {
          throw new JwtVerificationError('ERR_JWKS_FETCH', `The JWKS could not be fetched (${(err as Error).message})`);
        }
        if (!Array.isArray(body?.keys)) throw new JwtVerificationError('ERR_JWKS_FETCH', 'The JWKS has no keys array');
        const keys = new Map<string, KeyObject>();
        for (const jwk of body.keys as Array<JsonWebKey & { kid?: unknown; use?: unknown }>) {
          if (typeof jwk?.kid !== 'string' || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
          try {
            keys.set(jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }));
          } catch {
            // A malformed key is skipped, not fatal: the others still verify.
          }
        }
        this.#keys = keys;
        this.#fetchedAt = this.#clock.now();
      } finally {
        this.#inflight = undefined;
      }
    })();
    return this.#inflight;
  }
}

function decodeJson(part: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new JwtVerificationError('ERR_JWT_MALFORMED', 'A part is not a JSON object');
}
