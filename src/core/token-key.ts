import type { TokenRecord, TokenRepository } from '../storage/types.js';
import { randomAlphanumeric, TOKEN_LENGTH } from './random.js';
import type { SecretHasher } from './secret-hasher.js';

/**
 * Opaque tokens begin with their issue time: milliseconds since the epoch as 9 base36 digits (lower case,
 * so the order is the same under the C collation and a linguistic one such as en_US). The row's key is
 * that prefix followed by the keyed hash of the whole token, so new rows land at the end of the tokens
 * primary-key index instead of on a random page of it. A random insert dirties a page of its own, which
 * SQLite writes whole to the WAL at commit (and PostgreSQL to its WAL after a checkpoint); appends share a
 * page.
 *
 * The prefix tells when the token was issued, which `issued_at` holds already; the 33 random characters
 * after it (≈196 bits, RFC 6749 §10.10 asks for 128) are stored only as part of the HMAC input.
 */
const TIME_PREFIX_LENGTH = 9;
const TIME_PREFIX = /^[0-9a-z]{9}/;

export function newTimeOrderedToken(nowMs: number): string {
  return Math.trunc(nowMs).toString(36).padStart(TIME_PREFIX_LENGTH, '0').slice(-TIME_PREFIX_LENGTH) + randomAlphanumeric(TOKEN_LENGTH - TIME_PREFIX_LENGTH);
}

/**
 * The storage key of a presented token value. A value without a well-formed prefix gets its bare digest,
 * so garbage input never reaches a query as raw characters.
 */
export function tokenKey(hasher: SecretHasher, value: string): string {
  const digest = hasher.hash('token', value);
  return TIME_PREFIX.test(value) ? value.slice(0, TIME_PREFIX_LENGTH) + digest : digest;
}

/** The row of a presented opaque token, if any. */
export function findByTokenValue(
  tokens: Pick<TokenRepository, 'find'>,
  hasher: SecretHasher,
  value: string,
): Promise<TokenRecord | undefined> {
  return tokens.find(tokenKey(hasher, value));
}
