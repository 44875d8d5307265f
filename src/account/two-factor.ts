import { randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import type { AuthFailureLimiter } from '../core/failure-limiter.js';
import { SecretBox } from '../core/secret-box.js';
import type { AppContext } from '../http/context.js';
import type { MerchantRecord } from '../storage/types.js';
import { audit, type Actor } from './accounts.js';
import { BadSecondFactorError, InputError, TooManyAttemptsError } from './errors.js';
import type { LoginThrottle } from './throttle.js';

export type TwoFactorDeps = Pick<AppContext, 'store' | 'hasher' | 'clock'>;
/** What a checked code needs besides: the login failure limits it counts toward. */
export type SecondFactorDeps = TwoFactorDeps & { throttle: LoginThrottle; sharedLoginLimiter?: AuthFailureLimiter | undefined };

/** The name authenticator apps show next to the merchant's email. */
const TOTP_ISSUER = 'myPOS Web Account';
/** RFC 6238 §4 defaults, which every authenticator app supports: HMAC-SHA-1, 30-second steps, 6 digits. */
const PERIOD = 30;
const DIGITS = 6;
/** RFC 4226 §4 R6: a shared secret of 160 bits. */
const SECRET_BYTES = 20;
export const RECOVERY_CODE_COUNT = 10;
// No 0/o, 1/l/i: a code copied from paper must not be ambiguous. 12 of 31 symbols ≈ 59 bits.
const RECOVERY_ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';
const RECOVERY_LENGTH = 12;

/** Where a second factor was asked for, as the audit trail records it. */
type SecondFactorUse = 'sign_in' | 'production_change' | 'disable' | 'recovery_codes' | 'remove_passkey';

function box(deps: Pick<AppContext, 'hasher'>): SecretBox {
  return new SecretBox(deps.hasher.deriveKey('web account totp secret v1'));
}

function totp(secretBase32: string, email: string): TOTP {
  return new TOTP({ issuer: TOTP_ISSUER, label: email, algorithm: 'SHA1', digits: DIGITS, period: PERIOD, secret: Secret.fromBase32(secretBase32) });
}

/**
 * The time steps whose code `code` is, among the current one and one step either side (RFC 6238 §5.2:
 * at most one step of clock drift), oldest first.
 */
function matchingSteps(t: TOTP, code: string, now: number): number[] {
  const current = Math.floor(now / PERIOD);
  return [current - 1, current, current + 1].filter((step) => t.validate({ token: code, timestamp: step * PERIOD * 1000, window: 0 }) !== null);
}

const isTotpCode = (code: string) => /^\d{6}$/.test(code);

/** What the merchant typed, without the spaces and dashes people put in codes. */
function normalizeCode(input: string): string {
  return input.slice(0, 64).replace(/[\s-]/g, '').toLowerCase();
}

/** Whether two-factor sign-in is on for the merchant (an unfinished enrolment does not count). */
export async function twoFactorEnabled(deps: Pick<AppContext, 'store'>, merchantId: string): Promise<boolean> {
  return ((await deps.store.twoFactor.find(merchantId))?.enabledAt ?? null) !== null;
}

/** What the settings page shows: on or off, and how many recovery codes are left. */
export async function twoFactorStatus(deps: Pick<AppContext, 'store'>, merchantId: string): Promise<{ enabled: boolean; recoveryCodesLeft: number }> {
  const enabled = await twoFactorEnabled(deps, merchantId);
  return { enabled, recoveryCodesLeft: enabled ? await deps.store.twoFactor.unusedRecoveryCodes(merchantId) : 0 };
}

/**
 * Starts an enrolment: a new random secret, sealed, that only the session `sessionHash` may see and finish.
 * Nothing changes at sign-in until a code from it is entered.
 */
export async function startEnrolment(deps: TwoFactorDeps, merchant: MerchantRecord, sessionHash: string): Promise<void> {
  const secret = new Secret({ size: SECRET_BYTES });
  const started = await deps.store.twoFactor.startSetup({
    merchantId: merchant.id,
    secretSealed: box(deps).seal(secret.base32, merchant.id),
    createdAt: deps.clock.now(),
    setupSessionHash: sessionHash,
  });
  if (!started) throw new InputError('Two-factor sign-in is already on.');
}

/** The pending enrolment's secret, for its own session only; undefined once enabled or for any other session. */
export async function enrolmentSecret(deps: TwoFactorDeps, merchant: MerchantRecord, sessionHash: string): Promise<{ secret: string; uri: string } | undefined> {
  const row = await deps.store.twoFactor.find(merchant.id);
  if (!row || row.enabledAt !== null || row.setupSessionHash !== sessionHash) return undefined;
  const secret = box(deps).open(row.secretSealed, merchant.id);
  return { secret, uri: totp(secret, merchant.email).toString() };
}

/**
 * Finishes the enrolment once the merchant enters a valid code from the new secret; returns the recovery
 * codes, to be shown once. The code's step counts as used, so it cannot sign in afterwards.
 */
export async function confirmEnrolment(deps: TwoFactorDeps, actor: Actor, sessionHash: string, input: string): Promise<string[]> {
  const pending = await enrolmentSecret(deps, actor.merchant, sessionHash);
  if (!pending) throw new InputError('This set-up is no longer pending. Start it again from Settings.');
  const code = normalizeCode(input);
  const steps = isTotpCode(code) ? matchingSteps(totp(pending.secret, actor.merchant.email), code, deps.clock.now()) : [];
  if (steps.length === 0) throw new InputError('That code is not correct. Enter the 6-digit code your authenticator app shows now.');
  const codes = newRecoveryCodes();
  const enabled = await deps.store.twoFactor.enable(actor.merchant.id, sessionHash, steps[steps.length - 1]!, deps.clock.now(), codes.map((c) => recoveryHash(deps, c)));
  if (!enabled) throw new InputError('This set-up is no longer pending. Start it again from Settings.');
  await audit(deps, actor, 'two_factor_enabled', { detail: { recovery_codes: codes.length } });
  return codes;
}

/**
 * Checks a second factor: a current TOTP code (accepted once: RFC 6238 §5.2) or an unused recovery code
 * (used up by the same statement that accepts it). Throttled, and counted, with the login failures of the
 * account and the address, so codes cannot be guessed faster than passwords.
 */
export async function checkSecondFactor(deps: SecondFactorDeps, actor: Actor, input: string, during: SecondFactorUse): Promise<'totp' | 'recovery_code'> {
  const email = actor.merchant.email;
  const wait = Math.max(deps.throttle.blockedFor(email, actor.ip), deps.sharedLoginLimiter ? await deps.sharedLoginLimiter.blockedFor(email, actor.ip) : 0);
  if (wait > 0) throw new TooManyAttemptsError(wait);
  const used = await useCode(deps, actor.merchant, normalizeCode(input));
  if (!used) {
    deps.throttle.recordFailure(email, actor.ip);
    await deps.sharedLoginLimiter?.recordFailure(email, actor.ip);
    await audit(deps, actor, 'second_factor_failed', { detail: { during } });
    throw new BadSecondFactorError();
  }
  deps.throttle.recordSuccess(email);
  if (used === 'recovery_code') {
    await audit(deps, actor, 'recovery_code_used', { detail: { during, remaining: await deps.store.twoFactor.unusedRecoveryCodes(actor.merchant.id) } });
  }
  return used;
}

async function useCode(deps: TwoFactorDeps, merchant: MerchantRecord, code: string): Promise<'totp' | 'recovery_code' | undefined> {
  const row = await deps.store.twoFactor.find(merchant.id);
  if (!row || row.enabledAt === null || code === '') return undefined;
  if (isTotpCode(code)) {
    const t = totp(box(deps).open(row.secretSealed, merchant.id), merchant.email);
    // The latest matching step that is newer than the last one used wins, in one conditional statement.
    for (const step of matchingSteps(t, code, deps.clock.now()).reverse()) {
      if (await deps.store.twoFactor.acceptStep(merchant.id, step)) return 'totp';
    }
    return undefined;
  }
  if (!/^[a-z0-9]{12}$/.test(code)) return undefined;
  return (await deps.store.twoFactor.useRecoveryCode(merchant.id, recoveryHash(deps, code), deps.clock.now())) ? 'recovery_code' : undefined;
}

/** New recovery codes in place of all the old ones; returned once, to be shown once. */
export async function regenerateRecoveryCodes(deps: TwoFactorDeps, actor: Actor): Promise<string[]> {
  const codes = newRecoveryCodes();
  await deps.store.twoFactor.replaceRecoveryCodes(actor.merchant.id, codes.map((c) => recoveryHash(deps, c)), deps.clock.now());
  await audit(deps, actor, 'recovery_codes_regenerated', { detail: { recovery_codes: codes.length } });
  return codes;
}

/** Turns two-factor sign-in off: the secret, the recovery codes and the passkeys (a second factor beside it) are deleted. */
export async function disableTwoFactor(deps: TwoFactorDeps, actor: Actor): Promise<void> {
  if (!(await deps.store.twoFactor.disable(actor.merchant.id))) throw new InputError('Two-factor sign-in is not on.');
  await audit(deps, actor, 'two_factor_disabled');
}

function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    const raw = Array.from({ length: RECOVERY_LENGTH }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]).join('');
    return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`;
  });
}

/** Keyed hash of a recovery code as typed, without its dashes (they are only for reading). */
function recoveryHash(deps: Pick<AppContext, 'hasher'>, code: string): string {
  return deps.hasher.hash('recovery_code', normalizeCode(code));
}
