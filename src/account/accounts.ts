import { randomAlphanumeric } from '../core/random.js';
import type { AppContext } from '../http/context.js';
import type { MerchantRecord } from '../storage/types.js';
import { BadLoginError, ConflictError, InputError, TooManyAttemptsError } from './errors.js';
import { hashPassword, passwordProblem, verifyPassword } from './passwords.js';
import type { LoginThrottle } from './throttle.js';
import type { AuthFailureLimiter } from '../core/failure-limiter.js';

type AccountDeps = Pick<AppContext, 'store' | 'clock'>;

/** Who did something, for the audit trail. */
export interface Actor {
  merchant: MerchantRecord;
  ip: string;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}\.[^\s@]{2,63}$/;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function emailProblem(email: string): string | undefined {
  return EMAIL.test(email) && email.length <= 254 ? undefined : 'Enter a valid email address';
}

/**
 * Creates a merchant account (web sign-up and `mypos-auth merchants create`). With `throttle`, sign-ups are
 * metered per IP, since each costs an argon2 hash.
 */
export async function createMerchant(
  deps: AccountDeps & { throttle?: LoginThrottle; ip?: string },
  emailInput: string,
  password: string,
): Promise<MerchantRecord> {
  const email = normalizeEmail(emailInput);
  const problem = emailProblem(email) ?? passwordProblem(password);
  if (problem) throw new InputError(problem);
  if (deps.throttle && deps.ip !== undefined) {
    const wait = deps.throttle.signupBlockedFor(deps.ip);
    if (wait > 0) throw new TooManyAttemptsError(wait);
    deps.throttle.recordSignup(deps.ip);
  }
  const now = deps.clock.now();
  const merchant: MerchantRecord = { id: randomAlphanumeric(24), email, passwordHash: await hashPassword(password), createdAt: now, passwordChangedAt: now };
  if (!(await deps.store.merchants.create(merchant))) throw new ConflictError('An account with this email already exists. Log in instead.');
  return merchant;
}

/**
 * Checks a login's password. Throttled per account and per IP first; then the argon2 work is the same
 * whether the email exists or not, and both failures give the same error (ASVS 6.3.1, 6.3.8). The account's
 * count is cleared by the finished sign-in (sign-in.ts), which may still need a second step.
 */
export async function checkLogin(
  deps: AccountDeps & { throttle: LoginThrottle; sharedLoginLimiter?: AuthFailureLimiter | undefined },
  emailInput: string,
  password: string,
  ip: string,
): Promise<MerchantRecord> {
  const email = normalizeEmail(emailInput).slice(0, 254);
  const wait = deps.throttle.blockedFor(email, ip);
  if (wait > 0) throw new TooManyAttemptsError(wait);
  // Several server processes: the same limits counted in the database, so nodes cannot be played off.
  const sharedWait = deps.sharedLoginLimiter ? await deps.sharedLoginLimiter.blockedFor(email, ip) : 0;
  if (sharedWait > 0) throw new TooManyAttemptsError(sharedWait);
  const merchant = email === '' ? undefined : await deps.store.merchants.findByEmail(email);
  const ok = await verifyPassword(password.slice(0, 1024), merchant?.passwordHash);
  if (!ok || !merchant) {
    deps.throttle.recordFailure(email, ip);
    await deps.sharedLoginLimiter?.recordFailure(email, ip);
    // Not awaited: the reply to a wrong password must not take longer than the reply to an unknown email.
    if (merchant) void audit(deps, { merchant, ip }, 'login_failed').catch(() => {});
    throw new BadLoginError();
  }
  return merchant;
}

/** Changes the password after checking the current one; the caller ends the other sessions. */
export async function changePassword(deps: AccountDeps, merchant: MerchantRecord, current: string, next: string): Promise<void> {
  if (!(await verifyPassword(current.slice(0, 1024), merchant.passwordHash))) throw new InputError('The current password is not correct.');
  const problem = passwordProblem(next);
  if (problem) throw new InputError(problem);
  await deps.store.merchants.setPassword(merchant.id, await hashPassword(next), deps.clock.now());
}

/** Appends one audit event about the merchant's account or one of its credentials. */
export async function audit(
  deps: AccountDeps,
  actor: Actor,
  action: string,
  about: { clientId?: string; environment?: 'sandbox' | 'production'; detail?: Record<string, unknown> } = {},
): Promise<void> {
  await deps.store.audit.append([
    {
      merchantId: actor.merchant.id,
      clientId: about.clientId ?? null,
      environment: about.environment ?? null,
      action,
      actor: actor.merchant.email,
      ip: actor.ip,
      detail: about.detail ?? null,
      count: 1,
      at: deps.clock.now(),
    },
  ]);
}
