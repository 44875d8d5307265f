import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Seals signing-key private parts for the database: AES-256-GCM under a key derived (HKDF-SHA-256, RFC 5869) from the
 * server key, with its own `info` so it shares nothing with the HMAC digests. The additional data binds a sealed value
 * to its row (environment and kid), so a ciphertext copied onto another row does not open.
 */
export class KeyEncryption {
  readonly #key: Buffer;

  constructor(serverKey: Buffer) {
    this.#key = Buffer.from(hkdfSync('sha256', serverKey, 'mypos-auth', 'signing-key-encryption/v1', 32));
  }

  /** `v1.<iv>.<ciphertext>.<tag>`, base64url parts. */
  seal(plaintext: string, aad: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv, ct, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  /** Throws when the value was not sealed under this server key for this row. */
  open(sealed: string, aad: string): string {
    const [version, iv, ct, tag] = sealed.split('.');
    if (version !== 'v1' || !iv || ct === undefined || !tag) throw new Error('Unknown sealed key format');
    const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }
}
