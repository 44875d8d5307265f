import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretHasher } from '../../src/core/secret-hasher.js';
import { SecretBox } from '../../src/webhooks/secret-box.js';
import { signatureHeader, verifySignature } from '../../src/webhooks/signature.js';

describe('webhooks/secret-box › secrets at rest (AES-256-GCM under an HKDF-derived key)', () => {
  const hasher = new SecretHasher(Buffer.alloc(32, 7));
  const box = new SecretBox(hasher.deriveKey('webhook-secret-encryption v1'));

  it('round-trips, with a fresh IV each time', () => {
    const a = box.seal('s3cret', 'hook-1');
    const b = box.seal('s3cret', 'hook-1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('s3cret');
    expect(box.open(a, 'hook-1')).toBe('s3cret');
  });

  it('refuses a ciphertext moved to another webhook, altered, or opened under another server key', () => {
    const sealed = box.seal('s3cret', 'hook-1');
    expect(() => box.open(sealed, 'hook-2')).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('x' + Buffer.from(parts[3]!, 'base64url').toString('latin1'), 'latin1').toString('base64url');
    expect(() => box.open(parts.join('.'), 'hook-1')).toThrow();
    const other = new SecretBox(new SecretHasher(randomBytes(32)).deriveKey('webhook-secret-encryption v1'));
    expect(() => other.open(sealed, 'hook-1')).toThrow();
  });

  it('the derived key is not the hashing key and differs per purpose', () => {
    expect(hasher.deriveKey('a').equals(hasher.deriveKey('b'))).toBe(false);
    expect(hasher.deriveKey('a').equals(Buffer.alloc(32, 7))).toBe(false);
  });
});

describe('webhooks/signature › X-myPOS-Signature', () => {
  it('t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + body)> (known answer)', () => {
    // printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
    expect(signatureHeader('secret', 1700000000, '{"a":1}')).toBe(
      't=1700000000,v1=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686',
    );
  });

  it('verification refuses another body, another secret, a stale timestamp and malformed headers', () => {
    const h = signatureHeader('secret', 1700000000, '{"a":1}');
    expect(verifySignature('secret', h, '{"a":1}', 1700000100)).toBe(true);
    expect(verifySignature('secret', h, '{"a": 1}', 1700000100)).toBe(false);
    expect(verifySignature('other', h, '{"a":1}', 1700000100)).toBe(false);
    expect(verifySignature('secret', h, '{"a":1}', 1700000301)).toBe(false);
    for (const bad of ['', 't=1700000000', 'v1=00', 't=x,v1=' + '0'.repeat(64), 't=1700000000,v1=zz']) {
      expect(verifySignature('secret', bad, '{"a":1}', 1700000000)).toBe(false);
    }
  });
});
