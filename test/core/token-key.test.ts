import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomAlphanumeric } from '../../src/core/random.js';
import { SecretHasher } from '../../src/core/secret-hasher.js';
import { newTimeOrderedToken, tokenKey } from '../../src/core/token-key.js';
import { BACKENDS } from '../helpers/backends.js';
import { basic, createTestServer, postForm, type TestServer } from '../helpers/test-server.js';

describe('time-ordered opaque tokens', () => {
  const hasher = new SecretHasher(Buffer.alloc(32, 3));

  it('keep the myPOS format: 42 alphanumerics, the first nine the issue time in ms (base36)', () => {
    const at = Date.UTC(2026, 11, 1, 6, 30, 0, 123);
    const token = newTimeOrderedToken(at);
    expect(token).toMatch(/^[A-Za-z0-9]{42}$/);
    expect(parseInt(token.slice(0, 9), 36)).toBe(at);
  });

  it('a later token has a larger storage key, so inserts append to the index', () => {
    const keys = [0, 1, 2, 1000, 86_400_000].map((dt) => tokenKey(hasher, newTimeOrderedToken(1_800_000_000_000 + dt)));
    expect([...keys].sort()).toEqual(keys);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('the storage key holds the public prefix and a keyed digest, never the random part', () => {
    const token = newTimeOrderedToken(Date.now());
    const key = tokenKey(hasher, token);
    expect(key).toMatch(/^[0-9a-z]{9}[0-9a-f]{64}$/);
    expect(key.slice(0, 9)).toBe(token.slice(0, 9));
    expect(key).not.toContain(token.slice(9, 20));
    expect(key.slice(9)).toBe(hasher.hash('token', token));
  });

  it('a value without a well-formed prefix (garbage, NUL, upper case) is keyed by its bare digest', () => {
    for (const value of ['\0\0\0\0\0\0\0\0\0abc', 'ABCDEFGHIabc', 'short', 'abc def ghi jkl']) {
      expect(tokenKey(hasher, value)).toBe(hasher.hash('token', value));
    }
  });
});

describe.each(BACKENDS)('a token value without a time prefix is found by its bare digest ($name)', (backend) => {
  let t: TestServer;
  let creds: { id: string; secret: string };
  beforeAll(async () => {
    t = await createTestServer({ backend });
    creds = await t.client();
  });
  afterAll(() => t.close());

  const introspect = async (token: string) =>
    (await postForm(t.app(), '/oauth/introspect', `token=${token}`, { authorization: basic(creds.id, creds.secret) })).json();

  it('a token keyed by its bare digest introspects as active and can be revoked', async () => {
    const value = 'ABCDEFGHI' + randomAlphanumeric(33);
    const now = t.clock.now();
    await t.store.tokens.insert({
      key: t.server.hasher.hash('token', value),
      kind: 'access',
      clientId: creds.id,
      environment: 'sandbox',
      scope: 'webhooks',
      issuedAt: now,
      expiresAt: now + 600,
      revokedAt: null,
      grantId: null,
      subject: null,
      rotatedAt: null,
      familyExpiresAt: null,
    });
    expect(await introspect(value)).toMatchObject({ active: true, client_id: creds.id });
    const revoked = await postForm(t.app(), '/oauth/revoke', `token=${value}`, { authorization: basic(creds.id, creds.secret) });
    expect(revoked.statusCode).toBe(200);
    expect(await introspect(value)).toEqual({ active: false });
  });
});
