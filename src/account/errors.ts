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

/** The second step of a two-factor sign-in: neither a current authenticator code nor an unused recovery code. */
export class BadSecondFactorError extends AccountError {
  static override readonly code = 'invalid_code';
  static override readonly status = 401;
  constructor(message = 'That code is not correct. Enter the code your authenticator app shows now, or an unused recovery code.') {
    super(message);
  }
}

const REAUTH_MESSAGES = {
  missing: 'Enter your password again to confirm this change.',
  missing_code: 'Enter your password and a current code from your authenticator app to confirm this change.',
  password: 'The password is not correct.',
  code: 'The code is not correct. Enter the code your authenticator app shows now, or an unused recovery code.',
} as const;

/**
 * Production credentials (and turning two-factor sign-in off) need the password entered within the last few
 * minutes, and a current code when two-factor sign-in is on (ASVS 7.5.1, 6.4.x).
 */
export class ReauthRequiredError extends AccountError {
  static override readonly code = 'reauthentication_required';
  static override readonly status = 403;
  constructor(reason: keyof typeof REAUTH_MESSAGES) {
    super(REAUTH_MESSAGES[reason]);
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
