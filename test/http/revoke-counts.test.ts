import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientAuthenticator } from '../../src/core/client-authenticator.js';
import { InMemoryFailureLimiter, type AuthFailureLimiter } from '../../src/core/failure-limiter.js';
import { basic, createTestServer, postForm, type TestServer } from '../helpers/test-server.js';

/**
 * mypos_tokens_revoked_total counts live tokens that a revocation ended: not unknown ones, not ones already
 * revoked (RFC 7009 §2.2 answers 200 to all three alike, so the counter is where an operator tells them apart).
 */
describe('revocation › the revoked-tokens counter counts only live tokens ended', () => {
  let t: TestServer;
  let c: { id: string; secret: string };
  beforeAll(async () => {
    t = await createTestServer();
    c = await t.client();
  });
  afterAll(() => t.close());

  const revoked = async () => (await t.server.metrics.tokensRevoked.get()).values.filter((v) => v.labels.environment === 'sandbox').reduce((n, v) => n + v.value, 0);
  const revoke = (token: string) => postForm(t.app(), '/oauth/revoke', `token=${token}`, { authorization: basic(c.id, c.secret) });

  it('a live token +1; the same again, an unknown one: +0', async () => {
    const token = (await postForm(t.app(), '/oauth/token', 'grant_type=client_credentials', { authorization: basic(c.id, c.secret) })).json().access_token;
    const before = await revoked();
    expect((await revoke(token)).statusCode).toBe(200);
    expect(await revoked()).toBe(before + 1);
    expect((await revoke(token)).statusCode).toBe(200);
    expect((await revoke('unknown-token')).statusCode).toBe(200);
    expect(await revoked()).toBe(before + 1);
  });

  it('a public-client attempt by a confidential client is refused with the Basic challenge, even with no onFailure hook', async () => {
    const auth = new ClientAuthenticator({ clients: t.store.clients, hasher: t.server.hasher, limiter: new InMemoryFailureLimiter({ perClientPerMinute: 10, perIpPerMinute: 10 }), clock: t.clock, usedJtis: t.store.usedJtis });
    const err = await auth.authenticate({ clientId: c.id, method: 'none' }, 'sandbox', '127.0.0.1', { allowPublic: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 401, code: 'invalid_client', headers: { 'WWW-Authenticate': 'Basic realm="oauth"' } });
  });

  it('RFC 6749 §2.3.1: a limiter that answers asynchronously (counted in the store) still blocks, and still lets the right secret in', async () => {
    let wait = 30;
    const asyncLimiter: AuthFailureLimiter = { blockedFor: async () => wait, recordFailure: async () => {} };
    const auth = new ClientAuthenticator({ clients: t.store.clients, hasher: t.server.hasher, limiter: asyncLimiter, clock: t.clock, usedJtis: t.store.usedJtis });
    const presented = { clientId: c.id, clientSecret: c.secret, method: 'client_secret_basic' as const };
    const err = await auth.authenticate(presented, 'sandbox', '127.0.0.1').catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 429, headers: { 'Retry-After': '30' } });
    wait = 0;
    expect((await auth.authenticate(presented, 'sandbox', '127.0.0.1')).id).toBe(c.id);
  });
});
