/**
 * Errors of the SDK. Each carries a stable machine-readable `code` (in the manner of jose's `ERR_JWT_EXPIRED`), so
 * callers branch on `err.code` rather than on message text, plus the OAuth fields when the server sent them.
 */

/** The stable codes an {@link OAuthRequestError} can carry. */
export type OAuthRequestErrorCode =
  /** The server answered with an RFC 6749 §5.2 error body; see `error` and `error_description`. */
  | 'ERR_OAUTH_RESPONSE_ERROR'
  /** A non-2xx answer without an OAuth error body (a proxy's HTML 502, say); `error` is `unexpected_status`. */
  | 'ERR_OAUTH_UNEXPECTED_STATUS'
  /** A 2xx answer that is not a usable token response (not JSON, no `access_token`, not Bearer). */
  | 'ERR_OAUTH_INVALID_RESPONSE'
  /** The request never got an answer (connection refused, reset, DNS, timeout), after the allowed retries. */
  | 'ERR_OAUTH_NETWORK'
  /** The authorization response's `state` is not the one this client sent (RFC 6749 §10.12: CSRF). */
  | 'ERR_OAUTH_STATE_MISMATCH'
  /** The authorization server redirected back with `error=…` (RFC 6749 §4.1.2.1). */
  | 'ERR_OAUTH_AUTHORIZATION_DENIED'
  /** The operation needs a URL the environment does not define (for example no authorize endpoint). */
  | 'ERR_OAUTH_MISSING_ENDPOINT';

/**
 * A failed OAuth exchange. `error` / `error_description` mirror the RFC 6749 §5.2 response fields; `status` is the
 * HTTP status (0 when there was no response). The message never contains a secret or a token.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
export class OAuthRequestError extends Error {
  override readonly name = 'OAuthRequestError';
  readonly code: OAuthRequestErrorCode;
  readonly error: string;
  readonly error_description: string | undefined;
  readonly status: number;
  /** Seconds the server asked us to wait (`Retry-After`), when it said. */
  readonly retryAfter: number | undefined;

  constructor(
    code: OAuthRequestErrorCode,
    fields: { error: string; error_description?: string | undefined; status: number; retryAfter?: number | undefined },
    options?: { cause?: unknown },
  ) {
    const detail = fields.error_description ? `: ${fields.error_description}` : '';
    const status = fields.status ? ` (HTTP ${fields.status})` : '';
    super(`${fields.error}${detail}${status}`, options);
    this.code = code;
    this.error = fields.error;
    this.error_description = fields.error_description;
    this.status = fields.status;
    this.retryAfter = fields.retryAfter;
  }
}

/** The stable codes a {@link WebhookSignatureError} can carry. */
export type WebhookSignatureErrorCode =
  /** The header is missing or not `t=<unix seconds>,v1=<hex>`. */
  | 'ERR_WEBHOOK_SIGNATURE_MALFORMED'
  /** The timestamp is further from now than the tolerance (a replay, or a badly wrong clock). */
  | 'ERR_WEBHOOK_SIGNATURE_TIMESTAMP'
  /** No `v1` signature matches the body under the secret. */
  | 'ERR_WEBHOOK_SIGNATURE_MISMATCH';

/** A webhook delivery whose `X-myPOS-Signature` does not verify: do not act on the body. */
export class WebhookSignatureError extends Error {
  override readonly name = 'WebhookSignatureError';
  constructor(
    readonly code: WebhookSignatureErrorCode,
    message: string,
  ) {
    super(message);
  }
}
