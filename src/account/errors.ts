import { ApiError } from '../core/api-error.js';

/**
 * Web Account errors. Like the OAuth errors, each class fixes its status and a stable code, so a throw site
 * never picks a status by hand; the account's error handler renders them as a page or as JSON.
 */
export abstract class AccountError extends ApiError {
  /** What the page or the JSON `error_description` says; every account error has one. */
  declare readonly description: string;

  constructor(description: string) {
    super(description);
  }
}

/** Unknown page, unknown id, or another merchant's id: the same answer, so nothing tells them apart. */
export class NotFoundError extends AccountError {
  static override readonly code = 'not_found';
  static override readonly status = 404;
  constructor(description = 'Not found') {
    super(description);
  }
}

/** A form or JSON field is missing or invalid; the message is safe to show. */
export class InputError extends AccountError {
  static override readonly code = 'invalid_input';
  static override readonly status = 400;
}

export class NotSignedInError extends AccountError {
  static override readonly code = 'not_signed_in';
  static override readonly status = 401;
  constructor() {
    super('Sign in first');
  }
}

/** Same message for an unknown email and a wrong password (ASVS 6.3.8). */
export class BadLoginError extends AccountError {
  static override readonly code = 'invalid_login';
  static override readonly status = 401;
  constructor() {
    super('Incorrect email or password.');
  }
}

/** Production credentials need the password entered within the last few minutes (ASVS 7.5.1). */
export class ReauthRequiredError extends AccountError {
  static override readonly code = 'reauthentication_required';
  static override readonly status = 403;
  constructor(wrong: boolean) {
    super(wrong ? 'The password is not correct.' : 'Enter your password again to change production credentials.');
  }
}

/** CSRF token missing or wrong, or a cross-site request (ASVS 3.5.x). */
export class ForbiddenError extends AccountError {
  static override readonly code = 'forbidden';
  static override readonly status = 403;
}

export class TooManyAttemptsError extends AccountError {
  static override readonly code = 'too_many_attempts';
  static override readonly status = 429;
  constructor(readonly retryAfter: number) {
    super(`Too many attempts. Try again in ${retryAfter >= 90 ? `${Math.ceil(retryAfter / 60)} minutes` : `${retryAfter} seconds`}.`);
    this.headers['Retry-After'] = String(retryAfter);
  }
}

export class ConflictError extends AccountError {
  static override readonly code = 'conflict';
  static override readonly status = 409;
}
