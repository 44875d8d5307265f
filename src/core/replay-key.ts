import type { SecretHasher } from './secret-hasher.js';

/**
 * The stored key of a single-use JWT id: a keyed digest of who signed it and the `jti`. The id is the signer's
 * choice, of any length; the digest gives every row the same 64 characters, so the table and its index stay
 * small and a crafted id never reaches a query as raw text. Scoping by signer (a key thumbprint, a client id)
 * means one signer's ids never collide with, or block, another's (RFC 9449 §11.1, RFC 7523 §3).
 */
export function replayKey(hasher: SecretHasher, signer: string, jti: string): string {
  return hasher.hash('used_jti', `${signer}\0${jti}`);
}
