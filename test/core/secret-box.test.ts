import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretHasher } from '../../src/core/secret-hasher.js';
import { SecretBox } from '../../src/core/secret-box.js';
import { signatureHeader } from '../../src/webhooks/signature.js';

describe('core/secret-box › secrets at rest (AES-256-GCM under an HKDF-derived key)', () => {
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
  it('t=<unix seconds>,v1=<hex HMAC-SHA256(secret, body)>,v2=<hex HMAC-SHA256(secret, t + "." + body)> (known answer)', () => {
    // printf '%s' '{"a":1}' | openssl dgst -sha256 -hmac secret; printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
    expect(signatureHeader(['secret'], 1700000000, '{"a":1}')).toBe(
      't=1700000000,v1=aa9e2e3575f5d7098b6caccd790888c36d5fdb63342a73bada2d6a51747a8494,v2=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686',
    );
  });

  it('one v1/v2 pair per live secret, newest first', () => {
    expect(signatureHeader(['secret', 'old'], 1700000000, '{"a":1}')).toBe(
      't=1700000000,v1=aa9e2e3575f5d7098b6caccd790888c36d5fdb63342a73bada2d6a51747a8494,v2=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686,' +
        'v1=5022acffeea2804ff520532a0e2c2c89e8ad3ea1957eab6e12c65a339dd237b7,v2=5bed6ff4fdaa1f7539be4b82f6c76ce254e00e815b22b0dc8132056e0392cbcf',
    );
  });
});
