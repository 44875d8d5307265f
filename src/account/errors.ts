/**
 * Web Account errors. Like the OAuth errors, each class fixes its status and a stable code, so a throw site
 * never picks a status by hand; the account's error handler renders them as a page or as JSON.
 */
export abstract class AccountError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  readonly headers: Record<string, string> = {};
}

/** Unknown id, or another merchant's: the same answer, so nothing tells them apart. */
export class NotFoundError extends AccountError {
  readonly status = 404;
  readonly code = 'not_found';
  constructor() {
    super('Not found');
  }
}

/** A form or JSON field is missing or invalid; the message is safe to show. */
export class InputError extends AccountError {
  readonly status = 400;
  readonly code = 'invalid_input';
}

export class NotSignedInError extends AccountError {
  readonly status = 401;
  readonly code = 'not_signed_in';
  constructor() {
    super('Sign in first');
  }
}

/** Same message for an unknown email and a wrong password (ASVS 6.3.8). */
export class BadLoginError extends AccountError {
  readonly status = 401;
  readonly code = 'invalid_login';
  constructor() {
    super('Incorrect email or password.');
  }
}

/** Production credentials need the password entered within the last few minutes (ASVS 7.5.1). */
export class ReauthRequiredError extends AccountError {
  readonly status = 403;
  readonly code = 'reauthentication_required';
  constructor(wrong: boolean) {
    super(wrong ? 'The password is not correct.' : 'Enter your password again to change production credentials.');
  }
}

/** CSRF token missing or wrong, or a cross-site request (ASVS 3.5.x). */
export class ForbiddenError extends AccountError {
  readonly status = 403;
  readonly code = 'forbidden';
}

export class TooManyAttemptsError extends AccountError {
  readonly status = 429;
  readonly code = 'too_many_attempts';
  constructor(readonly retryAfter: number) {
    super(`Too many attempts. Try again in ${retryAfter >= 90 ? `${Math.ceil(retryAfter / 60)} minutes` : `${retryAfter} seconds`}.`);
    this.headers['Retry-After'] = String(retryAfter);
  }
}

export class ConflictError extends AccountError {
  readonly status = 409;
  readonly code = 'conflict';
}
