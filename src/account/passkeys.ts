import { createHash } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransportFuture,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { AppContext } from '../http/context.js';
import type { MerchantRecord, PasskeyChallengePurpose, PasskeyRecord } from '../storage/types.js';
import { audit, type Actor } from './accounts.js';
import { BadSecondFactorError, InputError, TooManyAttemptsError } from './errors.js';
import { twoFactorEnabled, type SecondFactorDeps } from './two-factor.js';

type PasskeyDeps = Pick<AppContext, 'store' | 'hasher' | 'clock' | 'issuer' | 'issuers'>;

/** A challenge is good for one ceremony within two minutes (WebAuthn §13.4.3: single use, short-lived). */
const CHALLENGE_LIFETIME = 120;
const RP_NAME = 'myPOS Web Account';
const NAME_MAX = 60;
const MAX_PASSKEYS = 10;
const TRANSPORTS: ReadonlySet<string> = new Set(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']);
const FAILED = 'That passkey could not be used. Try again, or enter a code from your authenticator app.';

/** RP ID = the issuer's host; accepted origins = both environments' issuers (WebAuthn §5.1.3 step 9, §7.2 step 13). */
function relyingParty(deps: Pick<AppContext, 'issuer' | 'issuers'>): { rpID: string; origins: string[] } {
  return { rpID: new URL(deps.issuer()).hostname, origins: [...new Set(Object.values(deps.issuers()).map((u) => new URL(u).origin))] };
}

const challengeHash = (deps: Pick<AppContext, 'hasher'>, challenge: string) => deps.hasher.hash('passkey_challenge', challenge);

/** A stable WebAuthn user handle that is not the merchant id itself (WebAuthn §14.6.1: no personal data). */
const userHandle = (merchant: MerchantRecord) => new Uint8Array(createHash('sha256').update(`mypos passkey user ${merchant.id}`).digest());

export async function passkeysOf(deps: Pick<AppContext, 'store'>, merchantId: string): Promise<PasskeyRecord[]> {
  return deps.store.passkeys.listFor(merchantId);
}

export async function hasPasskey(deps: Pick<AppContext, 'store'>, merchantId: string): Promise<boolean> {
  return (await deps.store.passkeys.count(merchantId)) > 0;
}

async function putChallenge(deps: PasskeyDeps, sessionHash: string, purpose: PasskeyChallengePurpose, challenge: string): Promise<void> {
  await deps.store.passkeys.putChallenge(sessionHash, purpose, challengeHash(deps, challenge), deps.clock.now() + CHALLENGE_LIFETIME);
}

/** The JSON a browser's `navigator.credentials.create()` needs; the challenge is kept for this session only. */
export async function registrationOptions(deps: PasskeyDeps, merchant: MerchantRecord, sessionHash: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
  if (!(await twoFactorEnabled(deps, merchant.id))) throw new InputError('Turn on two-factor sign-in first: passkeys are added beside the authenticator app.');
  const existing = await passkeysOf(deps, merchant.id);
  if (existing.length >= MAX_PASSKEYS) throw new InputError(`At most ${MAX_PASSKEYS} passkeys: remove one first.`);
  const options = await generateRegistrationOptions({
    rpName: RP_NAME,
    rpID: relyingParty(deps).rpID,
    userName: merchant.email,
    userID: userHandle(merchant),
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports as AuthenticatorTransportFuture[] })),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    timeout: CHALLENGE_LIFETIME * 1000,
  });
  await putChallenge(deps, sessionHash, 'register', options.challenge);
  return options;
}

function parseResponse<T>(json: string): T | undefined {
  try {
    const v: unknown = JSON.parse(json.slice(0, 64 * 1024));
    return v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string' ? (v as T) : undefined;
  } catch {
    return undefined;
  }
}

/** Checks the browser's attestation against this session's challenge and stores the new passkey. */
export async function finishRegistration(deps: PasskeyDeps, actor: Actor, sessionHash: string, responseJson: string, rawName: string): Promise<PasskeyRecord> {
  const name = rawName.trim().slice(0, NAME_MAX);
  if (name === '') throw new InputError('Give the passkey a name, such as the device it is on.');
  const expected = await deps.store.passkeys.takeChallenge(sessionHash, 'register', deps.clock.now());
  const response = parseResponse<RegistrationResponseJSON>(responseJson);
  const refused = new InputError('The passkey was not registered. Start again from Settings.');
  if (!expected || !response) throw refused;
  const { rpID, origins } = relyingParty(deps);
  let info;
  try {
    const result = await verifyRegistrationResponse({
      response,
      expectedChallenge: (c) => challengeHash(deps, c) === expected,
      expectedOrigin: origins,
      expectedRPID: rpID,
      requireUserVerification: false,
    });
    info = result.verified ? result.registrationInfo : undefined;
  } catch {
    info = undefined;
  }
  if (!info) throw refused;
  const record: PasskeyRecord = {
    credentialId: info.credential.id,
    merchantId: actor.merchant.id,
    publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
    counter: info.credential.counter,
    transports: (info.credential.transports ?? []).filter((t) => TRANSPORTS.has(t)),
    name,
    createdAt: deps.clock.now(),
    lastUsedAt: null,
  };
  try {
    await deps.store.passkeys.add(record);
  } catch {
    throw new InputError('That passkey is already registered.');
  }
  await audit(deps, actor, 'passkey_added', { detail: { name } });
  return record;
}

/** The JSON a browser's `navigator.credentials.get()` needs for the merchant's passkeys; the challenge is kept for this session. */
export async function assertionOptions(deps: PasskeyDeps, merchant: MerchantRecord, sessionHash: string): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const passkeys = await passkeysOf(deps, merchant.id);
  if (passkeys.length === 0) throw new InputError('There is no passkey on this account.');
  const options = await generateAuthenticationOptions({
    rpID: relyingParty(deps).rpID,
    allowCredentials: passkeys.map((p) => ({ id: p.credentialId, transports: p.transports as AuthenticatorTransportFuture[] })),
    userVerification: 'preferred',
    timeout: CHALLENGE_LIFETIME * 1000,
  });
  await putChallenge(deps, sessionHash, 'sign_in', options.challenge);
  return options;
}

/**
 * Checks a passkey assertion as a second factor: this session's challenge (taken, so used once), one of the
 * merchant's own credentials, its signature, and its counter when the authenticator counts (WebAuthn §7.2
 * step 22). Throttled and counted with the login failures, like a code.
 */
export async function checkPasskey(deps: SecondFactorDeps & PasskeyDeps, actor: Actor, sessionHash: string, responseJson: string): Promise<void> {
  const email = actor.merchant.email;
  const wait = Math.max(deps.throttle.blockedFor(email, actor.ip), deps.sharedLoginLimiter ? await deps.sharedLoginLimiter.blockedFor(email, actor.ip) : 0);
  if (wait > 0) throw new TooManyAttemptsError(wait);
  const used = await verifyAssertion(deps, actor.merchant, sessionHash, responseJson);
  if (!used) {
    deps.throttle.recordFailure(email, actor.ip);
    await deps.sharedLoginLimiter?.recordFailure(email, actor.ip);
    await audit(deps, actor, 'passkey_failed', { detail: { during: 'sign_in' } });
    throw new BadSecondFactorError(FAILED);
  }
  deps.throttle.recordSuccess(email);
  await audit(deps, actor, 'passkey_used', { detail: { during: 'sign_in', name: used.name } });
}

async function verifyAssertion(deps: PasskeyDeps, merchant: MerchantRecord, sessionHash: string, responseJson: string): Promise<PasskeyRecord | undefined> {
  const expected = await deps.store.passkeys.takeChallenge(sessionHash, 'sign_in', deps.clock.now());
  const response = parseResponse<AuthenticationResponseJSON>(responseJson);
  if (!expected || !response) return undefined;
  // Only the merchant's own credentials: another account's passkey is as unknown as a made-up one.
  const passkey = await deps.store.passkeys.findFor(merchant.id, response.id);
  if (!passkey) return undefined;
  const { rpID, origins } = relyingParty(deps);
  let newCounter: number;
  try {
    const result = await verifyAuthenticationResponse({
      response,
      expectedChallenge: (c) => challengeHash(deps, c) === expected,
      expectedOrigin: origins,
      expectedRPID: rpID,
      credential: { id: passkey.credentialId, publicKey: Buffer.from(passkey.publicKey, 'base64url'), counter: passkey.counter, transports: passkey.transports as AuthenticatorTransportFuture[] },
      requireUserVerification: false,
    });
    if (!result.verified) return undefined;
    newCounter = result.authenticationInfo.newCounter;
  } catch {
    return undefined;
  }
  // The same conditional statement refuses a concurrent use that read the same counter.
  return (await deps.store.passkeys.recordUse(merchant.id, passkey.credentialId, passkey.counter, newCounter, deps.clock.now())) ? passkey : undefined;
}

/** Removes one of the merchant's passkeys (the caller has checked the password and a second factor). */
export async function removePasskey(deps: PasskeyDeps, actor: Actor, credentialId: string): Promise<void> {
  const passkey = await deps.store.passkeys.findFor(actor.merchant.id, credentialId.slice(0, 1024));
  if (!passkey || !(await deps.store.passkeys.remove(actor.merchant.id, passkey.credentialId))) throw new InputError('That passkey is not on this account.');
  await audit(deps, actor, 'passkey_removed', { detail: { name: passkey.name } });
}
