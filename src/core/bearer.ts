import type { Environment } from '../storage/types.js';
import type { Clock } from './clock.js';
import { ApiError } from './api-error.js';
import { DpopRejection, type DpopProofVerifier } from './dpop.js';
import {
  dpopChallenge,
  InsufficientScopeError,
  InvalidRequestError,
  InvalidTokenError,
  ResourceInvalidDpopProofError,
  ResourceUseDpopNonceError,
} from './errors.js';
import { audienceAllows } from './resource.js';
import { findToken, isActive, type TokenLookupDeps } from './token-lookup.js';

/**
 * RFC 6750 bearer-token checks for a resource server, with no I/O of their own: parse the Authorization
 * header, ask a TokenValidator about the token, check the scope. Every failure is an ApiError carrying the
 * exact `WWW-Authenticate` challenge of RFC 6750 §3.
 */

/** What a resource server knows about the caller once the token checked out. */
export interface BearerPrincipal {
  clientId: string;
  scopes: string[];
  expiresAt: number;
}

/**
 * The verdict on a presented token: active with its grant and, for a DPoP-bound token, its key's thumbprint
 * (RFC 9449 §6); or inactive and why (expiry is reported apart, §3.1; `audience`: a live token restricted to
 * other resource servers, RFC 8707 §2).
 */
export type TokenCheck =
  | ({ active: true; jkt?: string | null } & BearerPrincipal)
  | { active: false; reason: 'expired' | 'invalid' | 'audience' };

/** Where a token is checked: the store in process, or an introspection endpoint for a server running apart. */
export interface TokenValidator {
  validate(token: string): Promise<TokenCheck>;
}

export interface BearerOptions {
  validator: TokenValidator;
  /** The scope every request must carry (403 insufficient_scope otherwise); none: any active token passes. */
  requiredScope?: string;
  /** The protection space named in challenges (RFC 6750 §3). Default "api". */
  realm?: string;
  /**
   * Checks the proofs of DPoP-bound tokens (RFC 9449 §7). Without it the `DPoP` scheme is not accepted, and a
   * DPoP-bound token is refused (it cannot be used as a bearer token, §7.2).
   */
  dpop?: DpopProofVerifier;
}

/** What a DPoP proof must be about: the request as the client addressed it (RFC 9449 §4.3 checks 8, 9). */
export interface ResourceRequest {
  method: string;
  /** The absolute URI of the request, as the client sent it (query and fragment are ignored). */
  url: string;
  /** The `DPoP` field: its value, or every value when sent more than once. */
  dpop: string | readonly string[] | undefined;
}

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The token of an `Authorization: Bearer <token>` header; undefined when no header was sent. The scheme is
 * case-insensitive (RFC 7235 §2.1). Another scheme (Basic, …) is treated as no bearer token at all, so it
 * gets the bare challenge; `Bearer` with nothing, with two words, or with characters outside b64token is
 * malformed (§3.1 invalid_request).
 */
export function parseBearerHeader(header: string | undefined, realm = 'api'): string | undefined {
  const parsed = parseAuthorization(header, ['bearer'], realm);
  return parsed?.token;
}

/** The credentials of an Authorization header in one of `schemes` (lower case); undefined for none or another scheme. */
function parseAuthorization(header: string | undefined, schemes: readonly string[], realm: string): { scheme: string; token: string } | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  const match = /^(\S+)(\s[\s\S]*)?$/.exec(value);
  const scheme = match?.[1]!.toLowerCase();
  if (!match || scheme === undefined || !schemes.includes(scheme)) return undefined;
  // RFC 7235 §2.1: 1*SP between scheme and credentials; any other whitespace makes the token malformed.
  const token = (match[2] ?? '').replace(/^ +/, '');
  // RFC 9449 §7.1: the DPoP scheme's token has the b64token syntax of RFC 6750 too.
  if (!B64TOKEN.test(token)) throw scheme === 'dpop' ? malformedDpop() : malformed(realm);
  return { scheme, token };
}

/** RFC 6750 §3: the challenge text, attributes quoted; nothing in it ever comes from the request. */
export function bearerChallenge(realm: string, attrs: Record<string, string> = {}): string {
  const parts = [`realm="${realm}"`, ...Object.entries(attrs).map(([k, v]) => `${k}="${v}"`)];
  return `Bearer ${parts.join(', ')}`;
}

/**
 * The plain-function form of the check: header in (every value, when the field was sent more than once),
 * principal out, or an ApiError with the exact status, body and challenge. Used by the Fastify hook (http/bearer-auth.ts) and usable by any other server.
 */
export async function authenticateBearer(
  header: string | readonly string[] | undefined,
  options: BearerOptions,
  request?: ResourceRequest,
): Promise<BearerPrincipal> {
  const realm = options.realm ?? 'api';
  // RFC 6750 §3.1: more than one Authorization header is a malformed request (invalid_request, 400).
  if (typeof header !== 'string' && header !== undefined) {
    if (header.length !== 1) throw malformed(realm, 'Send one Authorization header, not several');
    header = header[0];
  }
  const dpop = options.dpop && request ? { verifier: options.dpop, request } : undefined;
  const parsed = parseAuthorization(header, dpop ? ['bearer', 'dpop'] : ['bearer'], realm);
  // §3.1: a request without any authentication information gets a challenge with no error code.
  if (parsed === undefined) throw new MissingTokenError(realm);
  const { scheme, token } = parsed;
  const check = await options.validator.validate(token);
  if (scheme === 'dpop') return checkDpopBound(token, check, dpop!, options.requiredScope);
  // RFC 9449 §7.2: a DPoP-bound token is no bearer token; presented as one it is refused, with the DPoP challenge.
  if (check.active && check.jkt) {
    const err = new InvalidTokenError('This access token is DPoP-bound: send it with the DPoP scheme and a proof');
    err.headers['WWW-Authenticate'] = dpopChallenge({ error: 'invalid_token', error_description: err.description! });
    throw err;
  }
  if (!check.active) {
    const err = new InvalidTokenError(INACTIVE[check.reason]);
    err.headers['WWW-Authenticate'] = bearerChallenge(
      realm,
      check.reason === 'expired' ? { error: 'invalid_token', error_description: 'The access token expired' } : { error: 'invalid_token' },
    );
    throw err;
  }
  const required = options.requiredScope;
  if (required !== undefined && !check.scopes.includes(required)) {
    const err = new InsufficientScopeError(required);
    err.headers['WWW-Authenticate'] = bearerChallenge(realm, { error: 'insufficient_scope', scope: required });
    throw err;
  }
  return { clientId: check.clientId, scopes: check.scopes, expiresAt: check.expiresAt };
}

const INACTIVE: Record<'expired' | 'invalid' | 'audience', string> = {
  expired: 'The access token expired',
  invalid: 'The access token is not valid',
  audience: 'The access token is for another resource server',
};

/**
 * RFC 9449 §7.1: `Authorization: DPoP <token>` with a proof of the token's key that covers this request and this
 * token (`ath`). Failures carry a `WWW-Authenticate: DPoP` challenge.
 */
async function checkDpopBound(
  token: string,
  check: TokenCheck,
  dpop: { verifier: DpopProofVerifier; request: ResourceRequest },
  requiredScope: string | undefined,
): Promise<BearerPrincipal> {
  const invalidToken = (description: string) => {
    const err = new InvalidTokenError(description);
    err.headers['WWW-Authenticate'] = dpopChallenge({ error: 'invalid_token', error_description: description });
    return err;
  };
  if (!check.active) throw invalidToken(INACTIVE[check.reason]);
  // A bearer token sent under the DPoP scheme: the key binding the scheme promises is not there.
  if (!check.jkt) throw invalidToken('The access token is not DPoP-bound');
  const { method, url, dpop: field } = dpop.request;
  try {
    await dpop.verifier.verify(field, { method, url, accessToken: token, boundJkt: check.jkt });
  } catch (err) {
    if (!(err instanceof DpopRejection)) throw err;
    throw err.nonce === undefined ? new ResourceInvalidDpopProofError(err.description) : new ResourceUseDpopNonceError(err.nonce, err.description);
  }
  if (requiredScope !== undefined && !check.scopes.includes(requiredScope)) {
    const err = new InsufficientScopeError(requiredScope);
    err.headers['WWW-Authenticate'] = dpopChallenge({ error: 'insufficient_scope', scope: requiredScope });
    throw err;
  }
  return { clientId: check.clientId, scopes: check.scopes, expiresAt: check.expiresAt };
}

/** RFC 9449 §7.1: `DPoP` with no token, or one outside the b64token syntax. */
function malformedDpop(): InvalidRequestError {
  const err = new InvalidRequestError('Malformed Authorization header; expected "DPoP <token>"');
  err.headers['WWW-Authenticate'] = dpopChallenge({ error: 'invalid_request' });
  return err;
}

/** RFC 6750 §3.1: no credentials at all. 401 with a bare challenge; the body names no error code either. */
export class MissingTokenError extends ApiError {
  static override readonly code = 'unauthorized';
  static override readonly status = 401;
  constructor(realm: string) {
    super('An access token is required');
    this.headers['WWW-Authenticate'] = bearerChallenge(realm);
  }

  override body(): Record<string, string> {
    return { error_description: this.description! };
  }
}

function malformed(realm: string, description = 'Malformed Authorization header; expected "Bearer <token>"'): InvalidRequestError {
  const err = new InvalidRequestError(description);
  err.headers['WWW-Authenticate'] = bearerChallenge(realm, { error: 'invalid_request' });
  return err;
}

/**
 * Checks tokens against the store in this process: every request reads the token's row, so a revocation
 * is seen by the very next request. Only access tokens pass; a token of the other environment is unknown.
 */
export class StoreTokenValidator implements TokenValidator {
  /**
   * `audience`: this resource server's identifier (RFC 8707); a token restricted to others is refused. A function,
   * since the default identifier is a listener's URL, known once it is bound.
   */
  constructor(
    private readonly deps: TokenLookupDeps & { clock: Clock },
    private readonly environment: Environment,
    private readonly audience?: () => string,
  ) {}

  async validate(token: string): Promise<TokenCheck> {
    const record = await findToken(this.deps, this.environment, token);
    if (!record || record.kind !== 'access' || record.revokedAt !== null) return { active: false, reason: 'invalid' };
    if (!isActive(record, this.deps.clock.now())) return { active: false, reason: 'expired' };
    if (this.audience && !audienceAllows(record.audience, this.audience())) return { active: false, reason: 'audience' };
    return { active: true, clientId: record.clientId, scopes: splitScope(record.scope), expiresAt: record.expiresAt, jkt: record.jkt ?? null };
  }
}

export const splitScope = (scope: string): string[] => (scope === '' ? [] : scope.split(' '));
