import { createHash, timingSafeEqual } from 'node:crypto';
import { InvalidRequestError } from './errors.js';

// RFC 7636 §4.1: code_verifier = 43*128unreserved; §4.2: the S256 challenge is 43 base64url characters.
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))). */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** A malformed verifier is a malformed request (SECURITY-CASES C3); a wrong one is invalid_grant (§4.6). */
export function assertVerifierSyntax(verifier: string): void {
  if (!VERIFIER.test(verifier)) throw new InvalidRequestError('code_verifier must be 43-128 unreserved characters (RFC 7636 §4.1)');
}

export function isS256Challenge(challenge: string): boolean {
  return S256_CHALLENGE.test(challenge);
}

/** RFC 7636 §4.6: constant-time comparison of the transformed verifier with the stored challenge. */
export function verifierMatches(verifier: string, challenge: string): boolean {
  const a = Buffer.from(s256(verifier));
  const b = Buffer.from(challenge);
  return a.length === b.length && timingSafeEqual(a, b);
}
