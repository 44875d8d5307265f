import { createHmac, createSecretKey, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';

/**
 * Keyed hashing of machine-generated secrets and tokens (RFC 6819 §5.1.4.1.3): the database holds only
 * HMAC-SHA-256(server key, purpose + value). A fast keyed hash is enough for ≥128-bit random values
 * (OWASP ASVS 6.5.2) and keeps client_credentials cheap, where bcrypt caps peers at a few hundred/s.
 * The purpose prefix keeps a client secret's digest from ever matching a token's.
 */
type HashPurpose =
  | 'client_secret'
  | 'token'
  | 'code'
  | 'session'
  | 'jwt_id'
  | 'form_nonce'
  | 'secret_reveal'
  | 'request_uri'
  | 'recovery_code'
  | 'used_jti'
  | 'passkey_challenge';

export class SecretHasher {
  readonly #key: Buffer;
  /** The same key as a KeyObject, so createHmac does not import the raw key bytes on every call. */
  readonly #hmacKey: KeyObject;

  constructor(key: Buffer) {
    if (key.length < 32) throw new Error('The server key must be at least 32 bytes');
    this.#key = Buffer.from(key);
    this.#hmacKey = createSecretKey(this.#key);
  }

  /** Hex digest (64 characters) of `purpose NUL value`, used as the stored value and the lookup key. */
  hash(purpose: HashPurpose, value: string): string {
    return createHmac('sha256', this.#hmacKey).update(`${purpose}\0${value}`).digest('hex');
  }

  /**
   * An independent key for another use of the same key material (HKDF-SHA-256, RFC 5869), such as
   * encrypting webhook signing secrets. Different `info` values give unrelated keys; the server key itself
   * never leaves this object.
   */
  deriveKey(info: string, length = 32): Buffer {
    return Buffer.from(hkdfSync('sha256', this.#key, 'mypos-auth', info, length));
  }

  /** Constant-time comparison of a presented value against a stored digest. */
  matches(purpose: HashPurpose, value: string, storedDigest: string): boolean {
    const presented = Buffer.from(this.hash(purpose, value), 'hex');
    const stored = Buffer.from(storedDigest, 'hex');
    // Equal length always (both SHA-256); the guard keeps timingSafeEqual from throwing on bad data.
    return stored.length === presented.length && timingSafeEqual(presented, stored);
  }
}
