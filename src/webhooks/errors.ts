import { ApiError } from '../core/api-error.js';

/**
 * Webhook API errors. They render through the central error handler in the OAuth error shape,
 * `{"error": code, "error_description": text}`, plus `field` for a field that failed validation. The 404 is
 * the app's own: an unknown id answers like an unknown endpoint.
 */
export { NotFoundError } from '../core/api-error.js';

/** The body parsed, but a field's value is missing or not acceptable. */
export class ValidationError extends ApiError {
  static override readonly code = 'invalid_field';
  static override readonly status = 422;
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
export class SandboxOnlyError extends ApiError {
  static override readonly code = 'sandbox_only';
  static override readonly status = 403;
}

/** The request is well formed but the resource's state refuses it (a resend to a deleted webhook). */
export class ConflictError extends ApiError {
  static override readonly code = 'conflict';
  static override readonly status = 409;
}
