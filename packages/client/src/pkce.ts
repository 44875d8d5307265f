import { createHash, randomBytes } from 'node:crypto';

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * A fresh PKCE code verifier: 32 random bytes, base64url, 43 characters (the spec's recommended form).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1
 */
export function createCodeVerifier(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The S256 code challenge: `BASE64URL(SHA256(ASCII(code_verifier)))`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.2
 */
export function codeChallengeS256(codeVerifier: string): string {
  if (!VERIFIER.test(codeVerifier)) {
    throw new TypeError('A code verifier is 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1)');
  }
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}

/**
 * An unguessable `state` value binding the authorization response to this user agent's request.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-10.12
 */
export function createState(): string {
  return randomBytes(16).toString('base64url');
}
