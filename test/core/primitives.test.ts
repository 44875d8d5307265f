import { describe, expect, it } from 'vitest';
import { InMemoryFailureLimiter } from '../../src/core/failure-limiter.js';
import { newClientId, newClientSecret, newOpaqueToken, randomAlphanumeric } from '../../src/core/random.js';
import { grantedScope, parseScope, validateClientScopes } from '../../src/core/scope.js';
import { SecretHasher } from '../../src/core/secret-hasher.js';
import { InvalidScopeError } from '../../src/core/errors.js';

describe('random identifiers', () => {
  it('myPOS formats: client id 24, secret 48, token 42 alphanumerics', () => {
    expect(newClientId()).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(newClientSecret()).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(newOpaqueToken()).toMatch(/^[A-Za-z0-9]{42}$/);
  });

  it('uses the whole alphabet without obvious bias', () => {
    const counts = new Map<string, number>();
    for (const ch of randomAlphanumeric(62_000)) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    expect(counts.size).toBe(62);
    // Expected 1000 each; a modulo bias of 256 % 62 would put the first 8 characters near 1250.
    for (const n of counts.values()) expect(n).toBeGreaterThan(800);
    for (const n of counts.values()) expect(n).toBeLessThan(1200);
  });
});

describe('SecretHasher', () => {
  const h = new SecretHasher(Buffer.alloc(32, 7));
  it('RFC 6819 §5.1.4.1.3: stores a keyed digest, never the value', () => {
    const d = h.hash('token', 'abc');
    expect(d).toMatch(/^[0-9a-f]{64}$/);
    expect(d).not.toContain('abc');
    expect(h.matches('token', 'abc', d)).toBe(true);
    expect(h.matches('token', 'abd', d)).toBe(false);
  });
  it('a digest is HMAC-SHA-256(key, purpose NUL value), the same in every release (stored rows stay valid)', () => {
    // Vector computed once from the definition; a change here would orphan every stored secret and token.
    expect(h.hash('token', 'abc')).toBe('2b20feeac202004bd45a49d3ec7a8f4a50250345819ef4e562725c8c1819793e');
  });
  it('a digest depends on the key and on the purpose', () => {
    expect(new SecretHasher(Buffer.alloc(32, 8)).hash('token', 'abc')).not.toBe(h.hash('token', 'abc'));
    expect(h.hash('client_secret', 'abc')).not.toBe(h.hash('token', 'abc'));
  });
  it('refuses a short key and malformed stored digests without throwing', () => {
    expect(() => new SecretHasher(Buffer.alloc(16))).toThrow();
    expect(h.matches('token', 'abc', 'zz')).toBe(false);
  });
});

describe('scope › RFC 6749 §3.3', () => {
  it('none asked → everything allowed; a subset as asked, in the client\'s order', () => {
    expect(grantedScope(undefined, ['webhooks', 'devices'])).toEqual(['webhooks', 'devices']);
    expect(grantedScope('devices webhooks', ['webhooks', 'devices'])).toEqual(['webhooks', 'devices']);
    expect(grantedScope('webhooks webhooks', ['webhooks'])).toEqual(['webhooks']);
  });
  it.each(['admin', 'webhooks\u0000', 'a"b', 'a\\b', ' webhooks', 'webhooks ', 'é'])('rejects %j', (s) => {
    expect(() => grantedScope(s, ['webhooks'])).toThrow(InvalidScopeError);
  });
  it('parseScope dedupes; validateClientScopes refuses unknown scopes', () => {
    expect(parseScope('a a b')).toEqual(['a', 'b']);
    expect(() => validateClientScopes(['admin'])).toThrow(/Unknown scope/);
    expect(() => validateClientScopes([])).toThrow();
  });
});

describe('InMemoryFailureLimiter', () => {
  it('opens again after the one-minute window', () => {
    let now = 0;
    const l = new InMemoryFailureLimiter({ perClientPerMinute: 2, perIpPerMinute: 100 }, () => now);
    l.recordFailure('c', 'ip');
    l.recordFailure('c', 'ip');
    expect(l.blockedFor('c', 'ip')).toBe(60);
    now = 30_000;
    expect(l.blockedFor('c', 'ip')).toBe(30);
    now = 60_000;
    expect(l.blockedFor('c', 'ip')).toBe(0);
  });
  it('memory stays bounded under a flood of random client ids', () => {
    const l = new InMemoryFailureLimiter({ perClientPerMinute: 2, perIpPerMinute: 1e9, maxKeys: 1000 }, () => 0);
    for (let i = 0; i < 50_000; i++) l.recordFailure(`id${i}`, `ip${i % 7}`);
    // Internal size is not exposed; the newest ids are still counted and the oldest forgotten.
    l.recordFailure('fresh', 'ip1');
    l.recordFailure('fresh', 'ip1');
    expect(l.blockedFor('fresh', 'ip1')).toBeGreaterThan(0);
    // id0 had 1 failure; a second, had it been remembered, would block it.
    l.recordFailure('id0', 'ip0');
    expect(l.blockedFor('id0', 'ip0')).toBe(0);
  });
});
