import { ApiError } from './api-error.js';
import { DPOP_ALGORITHMS } from './dpop.js';

/**
 * The errors of RFC 6749, RFC 7009, RFC 6750 and the extensions served (RFC 8707, RFC 9101 via RFC 9126), and only
 * those: one class per code, grouped by RFC section.
 */
export abstract class OAuthError extends ApiError {}

// ---- RFC 6749 §5.2: token endpoint errors ----

/** RFC 6749 §5.2: missing, repeated or malformed parameter; unsupported body. */
export class InvalidRequestError extends OAuthError {
  static override readonly code = 'invalid_request';
  static override readonly status: number = 400;
}

/** RFC 6749 §3.2: the token endpoint takes POST only. Same code, 405 + Allow. */
export class MethodNotAllowedError extends InvalidRequestError {
  static override readonly status = 405;
  constructor(allow: string) {
    super(`Method not allowed; use ${allow}`);
    this.headers['Allow'] = allow;
  }
}

/** A body past the configured limit; reading stopped at the cap. */
export class PayloadTooLargeError extends InvalidRequestError {
  static override readonly status = 413;
  constructor() {
    super('Request body too large');
  }
}

/**
 * RFC 6749 §5.2: client authentication failed. The answer is the same for an unknown client, a wrong
 * secret and a credential of the other environment, so nothing tells which part was wrong.
 */
export class InvalidClientError extends OAuthError {
  static override readonly code = 'invalid_client';
  static override readonly status = 401;
  /** Why, for the server's log only: the client is never told which check failed. */
  readonly reason: string | undefined;
  constructor(options: { basicChallenge: boolean; realm?: string; reason?: string }) {
    super('Client authentication failed');
    this.reason = options.reason;
    // RFC 6749 §5.2: MUST include WWW-Authenticate when the client tried the Authorization header.
    if (options.basicChallenge) this.headers['WWW-Authenticate'] = `Basic realm="${options.realm ?? 'oauth'}"`;
  }
}

/** RFC 6749 §5.2: the code, refresh token or its binding (client, redirect_uri, verifier) is not good. */
export class InvalidGrantError extends OAuthError {
  static override readonly code = 'invalid_grant';
  static override readonly status = 400;
}

/** RFC 6749 §5.2: the client may not use this grant type (or, RFC 7009 §2.1, touch this token). */
export class UnauthorizedClientError extends OAuthError {
  static override readonly code = 'unauthorized_client';
  static override readonly status = 400;
}

/** RFC 6749 §5.2: grant_type values are case-sensitive; ROPC and implicit are not served (RFC 9700 §2.4). */
export class UnsupportedGrantTypeError extends OAuthError {
  static override readonly code = 'unsupported_grant_type';
  static override readonly status = 400;
}

/** RFC 6749 §5.2: scope unknown, malformed, or beyond what the client may ask. */
export class InvalidScopeError extends OAuthError {
  static override readonly code = 'invalid_scope';
  static override readonly status = 400;
}

/** RFC 6749 §4.1.2.1: an unexpected condition. Never carries a detail to the client. */
export class ServerError extends OAuthError {
  static override readonly code = 'server_error';
  static override readonly status = 500;
  constructor() {
    super(undefined);
  }
}

/**
 * RFC 6749 §4.1.2.1 / RFC 7009 §2.2.1: storage unavailable, or too many failed attempts. Always with
 * Retry-After so clients back off instead of hammering.
 */
export class TemporarilyUnavailableError extends OAuthError {
  static override readonly code = 'temporarily_unavailable';
  static override readonly status: number = 503;
  constructor(retryAfterSeconds: number, description = 'The service is temporarily unavailable') {
    super(description);
    this.headers['Retry-After'] = String(Math.max(1, Math.ceil(retryAfterSeconds)));
  }
}

/** Too many failed client authentications from this address: 429, never revealing whether the next secret was right. */
export class TooManyAttemptsError extends TemporarilyUnavailableError {
  static override readonly status = 429;
  constructor(retryAfterSeconds: number) {
    super(retryAfterSeconds, 'Too many requests; retry later');
  }
}

// ---- RFC 6749 §4.1.2.1: authorization request errors, answered in JSON by the PAR endpoint (RFC 9126 §2.3) ----

/** RFC 6749 §4.1.2.1: a response_type other than `code`. At /oauth/authorize it travels in the redirect. */
export class UnsupportedResponseTypeError extends OAuthError {
  static override readonly code = 'unsupported_response_type';
  static override readonly status = 400;
}

// ---- RFC 8707 §2 and RFC 9101 §7: extension errors ----

/** RFC 8707 §2: a `resource` that is malformed (not an absolute URI, or with a fragment) or unknown here. */
export class InvalidTargetError extends OAuthError {
  static override readonly code = 'invalid_target';
  static override readonly status = 400;
}

/** RFC 9101 §7: a `request` (a JAR request object) pushed to the PAR endpoint; request objects are not supported. */
export class RequestNotSupportedError extends OAuthError {
  static override readonly code = 'request_not_supported';
  static override readonly status = 400;
}

// ---- RFC 6750 §3.1: resource server errors ----

/** RFC 6750 §3.1: the access token is missing its mark: expired, revoked, unknown or malformed. */
export class InvalidTokenError extends OAuthError {
  static override readonly code = 'invalid_token';
  static override readonly status = 401;
}

/** RFC 6750 §3.1: the token is good but lacks the scope the resource needs. */
export class InsufficientScopeError extends OAuthError {
  static override readonly code = 'insufficient_scope';
  static override readonly status = 403;
  constructor(readonly requiredScope: string) {
    super('The access token lacks the required scope');
  }
}

// ---- RFC 9449: DPoP ----

/**
 * RFC 9449 §5 (token endpoint): the DPoP proof is missing where the client must send one, malformed, or fails
 * a check of §4.3 (replayed, wrong htm or htu, stale, bad signature, private or unsupported key).
 */
export class InvalidDpopProofError extends OAuthError {
  static override readonly code = 'invalid_dpop_proof';
  static override readonly status: number = 400;
}

/** RFC 9449 §8: the server wants a nonce in the proof; the client retries with the `DPoP-Nonce` value. */
export class UseDpopNonceError extends OAuthError {
  static override readonly code = 'use_dpop_nonce';
  static override readonly status: number = 400;
  constructor(nonce: string, description: string) {
    super(description);
    this.headers['DPoP-Nonce'] = nonce;
  }
}

/** RFC 9449 §7.1 (resource server): the same code, 401 with a `WWW-Authenticate: DPoP` challenge. */
export class ResourceInvalidDpopProofError extends InvalidDpopProofError {
  static override readonly status = 401;
  constructor(description: string) {
    super(description);
    this.headers['WWW-Authenticate'] = dpopChallenge({ error: 'invalid_dpop_proof', error_description: description });
  }
}

/** RFC 9449 §9 (resource server): a nonce is required; 401 with the challenge and `DPoP-Nonce`. */
export class ResourceUseDpopNonceError extends UseDpopNonceError {
  static override readonly status = 401;
  constructor(nonce: string, description: string) {
    super(nonce, description);
    this.headers['WWW-Authenticate'] = dpopChallenge({ error: 'use_dpop_nonce', error_description: description });
  }
}

/**
 * RFC 9449 §7.1: the `DPoP` challenge, listing the accepted algorithms. Attribute values are fixed texts of this
 * server, never taken from the request.
 */
export function dpopChallenge(attrs: Record<string, string> = {}): string {
  const parts = [...Object.entries(attrs).map(([k, v]) => `${k}="${v}"`), `algs="${DPOP_ALGORITHMS.join(' ')}"`];
  return `DPoP ${parts.join(', ')}`;
}
