/**
 * The base of every error an API answers with: the class fixes the machine-readable code and the HTTP status,
 * so a throw site never picks a status by hand (the habit of node-oidc-provider's helpers/errors.js). The code
 * and status are static, so the documented list of codes can be read from the classes themselves.
 * The description is safe to show: it never contains a secret or a token.
 */
export abstract class ApiError extends Error {
  /** The `error` value of the response body. */
  declare static readonly code: string;
  declare static readonly status: number;
  /** Extra response headers (WWW-Authenticate, Retry-After, Allow). */
  readonly headers: Record<string, string> = {};

  constructor(readonly description?: string) {
    super(description);
  }

  get code(): string {
    return (this.constructor as typeof ApiError).code;
  }

  get status(): number {
    return (this.constructor as typeof ApiError).status;
  }

  /** The JSON body: `{"error": code, "error_description": text}`, the shape of RFC 6749 §5.2 that every API here shares. */
  body(): Record<string, string> {
    return this.description ? { error: this.code, error_description: this.description } : { error: this.code };
  }
}

/** An unknown endpoint, or an id that is unknown or another's: the same 404, so nothing tells them apart. */
export class NotFoundError extends ApiError {
  static override readonly code = 'not_found';
  static override readonly status = 404;

  constructor(description = 'No such endpoint') {
    super(description);
  }
}
