import { describe, expect, it } from 'vitest';
import { SecretHasher } from '../../src/core/secret-hasher.js';

describe('SecretHasher › derived keys and the key length', () => {
  it('RFC 5869: a derived key is the same in every release, so webhook secrets sealed under it stay readable', () => {
    const h = new SecretHasher(Buffer.alloc(32, 7));
    expect(h.deriveKey('webhook-secret-encryption v1').toString('hex')).toBe('41cf2ec9199045a540b1bb408b6e9fc0ae5f4bcd2d87866714f3c7ba3184da44');
    expect(h.deriveKey('another use')).not.toEqual(h.deriveKey('webhook-secret-encryption v1'));
    expect(h.deriveKey('x', 16)).toHaveLength(16);
  });

  it('a server key under 32 bytes is refused with a message that says so', () => {
    expect(() => new SecretHasher(Buffer.alloc(31))).toThrow('The server key must be at least 32 bytes');
    expect(() => new SecretHasher(Buffer.alloc(32))).not.toThrow();
  });
});
