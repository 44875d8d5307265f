import { randomFillSync } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// Largest multiple of 62 below 256: bytes at or above it are dropped so every character is equally likely.
const UNBIASED_LIMIT = 248;

/**
 * A string of `length` alphanumerics from the CSPRNG, by rejection sampling (no modulo bias).
 * 42 characters carry ≈250 bits, past the 128 that RFC 6749 §10.10 asks of tokens.
 */
export function randomAlphanumeric(length: number): string {
  let out = '';
  while (out.length < length) {
    const b = nextRandomByte();
    if (b < UNBIASED_LIMIT) out += ALPHABET[b % 62];
  }
  return out;
}

/**
 * CSPRNG bytes drawn from a pool refilled 8 KiB at a time, each byte handed out once: one call into the
 * CSPRNG costs more than many tokens' worth of bytes, and Node's own crypto.randomUUID() pools the same way.
 */
const POOL = Buffer.alloc(8192);
let poolOffset = POOL.length;

function nextRandomByte(): number {
  if (poolOffset === POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const b = POOL[poolOffset]!;
  // Zeroed once read, so the pool never holds a byte that was already handed out.
  POOL[poolOffset++] = 0;
  return b;
}

/** myPOS formats: client ID 24 alphanumerics, secret 48, opaque token 42. */
const CLIENT_ID_LENGTH = 24;
const CLIENT_SECRET_LENGTH = 48;
export const TOKEN_LENGTH = 42;

export const newClientId = (): string => randomAlphanumeric(CLIENT_ID_LENGTH);
export const newClientSecret = (): string => randomAlphanumeric(CLIENT_SECRET_LENGTH);
export const newOpaqueToken = (): string => randomAlphanumeric(TOKEN_LENGTH);
