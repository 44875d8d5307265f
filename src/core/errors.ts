import { ApiError } from './api-error.js';

/** The errors of RFC 6749, RFC 7009 and RFC 6750, and only those: one class per code, grouped by RFC section. */
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
