import { OAuthError } from '../core/errors.js';

/**
 * Webhook API errors. They render through the central error handler like OAuth errors:
 * `{"error": code, "error_description": text}` plus `field` for a field that failed validation.
 */

/** No such object for this merchant and environment (another merchant's ids included: nothing is revealed). */
export class NotFoundError extends OAuthError {
  readonly error = 'not_found';
  readonly status = 404;
}

/** The body parsed, but a field's value is missing or not acceptable. */
export class ValidationError extends OAuthError {
  readonly error = 'invalid_field';
  readonly status = 422;
  constructor(
    readonly field: string,
    description: string,
  ) {
    super(`${field}: ${description}`);
  }

  override body(): Record<string, string> {
    return { ...super.body(), field: this.field };
  }
}

/** The route exists but this environment does not serve it (fake events in production). */
export class SandboxOnlyError extends OAuthError {
  readonly error = 'sandbox_only';
  readonly status = 403;
}
