import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import { OAuthRequestError, TokenClient, type TokenClientOptions } from '../../packages/client/src/index.js';
import { BACKENDS } from '../helpers/backends.js';
import { startResourceServer, startSocketServer, type Peer, type SocketServer } from './socket-server.js';
import { tokenKey } from '../../src/core/token-key.js';

describe.each(BACKENDS)('TokenClient against the real server over a socket ($name)', (backend) => {
  let s: SocketServer;
  let rsCreds: { id: string; secret: string };
  let rs: Peer;
  beforeAll(async () => {
    s = await startSocketServer(backend);
    rsCreds = await s.client({ isResourceServer: true, name: 'resource server' });
    rs = await startResourceServer(s.url(), rsCreds);
  });
  afterAll(async () => {
    await rs?.close();
    await s?.close();
  });

  /** A fresh client (own credentials, so the per-client token count is this test's alone) sharing the server's clock. */
  async function newClient(extra: Partial<TokenClientOptions> = {}) {
    const creds = await s.client({ scopes: ['webhooks', 'transactions'] });
    const client = new TokenClient({
      clientId: creds.id,
      clientSecret: creds.secret,
      environment: { tokenUrl: `${s.url()}/oauth/token` },
      clock: s.clock,
      ...extra,
    });
    return { creds, client };
  }
  const tokenRequests = () => s.counts.sandbox['/oauth/token'] ?? 0;

  it('RFC 6749 §4.4.2: getToken() gets a client_credentials token, and the cache answers the next calls', async () => {
    const { creds, client } = await newClient({ scope: 'webhooks' });
    const before = tokenRequests();
    const t1 = await client.getToken();
    const t2 = await client.getToken();
    expect(t1).toMatch(/^[A-Za-z0-9]{42}$/);
    expect(t2).toBe(t1);
    expect(tokenRequests() - before).toBe(1);
    expect(await s.activeTokens(creds.id)).toBe(1);
    expect(await client.introspect(t1)).toMatchObject({ active: true, scope: 'webhooks', client_id: creds.id });
  });

  it('early renewal: renews once the skew margin before expiry is reached, not before (injectable clock)', async () => {
    const { creds, client } = await newClient({ renewBeforeSeconds: 60 });
    const t1 = await client.getToken(); // the server's default lifetime: 3600 s
    s.clock.advance(3600 - 60 - 1);
    expect(await client.getToken()).toBe(t1);
    s.clock.advance(1);
    const t2 = await client.getToken();
    expect(t2).not.toBe(t1);
    // The old token was still valid when it was replaced: renewal happened before expiry, not after a failure.
    expect(await s.activeTokens(creds.id)).toBe(2);
    expect(await client.getToken()).toBe(t2);
  });

  it('early renewal: the margin is capped at half the lifetime, so a short-lived token is still reused', async () => {
    const { client } = await newClient({ renewBeforeSeconds: 10_000 });
    const before = tokenRequests();
    const t1 = await client.getToken();
    s.clock.advance(1799);
    expect(await client.getToken()).toBe(t1);
    s.clock.advance(1);
    expect(await client.getToken()).not.toBe(t1);
    expect(tokenRequests() - before).toBe(2);
  });

  it('single flight: 100 concurrent getToken() calls → exactly one token request, one token row', async () => {
    const { creds, client } = await newClient();
    const before = tokenRequests();
    const tokens = await Promise.all(Array.from({ length: 100 }, () => client.getToken()));
    expect(new Set(tokens).size).toBe(1);
    expect(tokenRequests() - before).toBe(1);
    expect(await s.activeTokens(creds.id)).toBe(1);
    // And again when the cached token is due for renewal.
    s.clock.advance(3600);
    const renewed = await Promise.all(Array.from({ length: 100 }, () => client.getToken()));
    expect(new Set(renewed).size).toBe(1);
    expect(renewed[0]).not.toBe(tokens[0]);
    expect(tokenRequests() - before).toBe(2);
  });

  it('single flight: 100 concurrent callers with a wrong secret share one request and each get the typed OAuthRequestError', async () => {
    const { creds } = await newClient();
    const wrong = 'x'.repeat(48);
    const client = new TokenClient({ clientId: creds.id, clientSecret: wrong, environment: { tokenUrl: `${s.url()}/oauth/token` } });
    const before = tokenRequests();
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => client.getToken()));
    expect(tokenRequests() - before).toBe(1);
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason as OAuthRequestError;
      expect(err).toBeInstanceOf(OAuthRequestError);
      expect({ code: err.code, error: err.error, status: err.status }).toEqual({
        code: 'ERR_OAUTH_RESPONSE_ERROR',
        error: 'invalid_client',
        status: 401,
      });
      expect(err.error_description).toBe('Client authentication failed');
      expect(err.message).not.toContain(wrong);
    }
    // A failure is not cached: the next call asks again.
    await expect(client.getToken()).rejects.toBeInstanceOf(OAuthRequestError);
    expect(tokenRequests() - before).toBe(2);
  });

  it('RFC 6749 §2.3.1: client_secret_post authenticates in the body', async () => {
    const { creds, client } = await newClient({ clientAuthMethod: 'client_secret_post' });
    const token = await client.getToken();
    expect(await client.introspect(token)).toMatchObject({ active: true, client_id: creds.id });
  });

  it('RFC 6749 §5.2: a scope the client may not have → OAuthRequestError invalid_scope, 400', async () => {
    const { client } = await newClient({ scope: 'devices' });
    await expect(client.getToken()).rejects.toMatchObject({ code: 'ERR_OAUTH_RESPONSE_ERROR', error: 'invalid_scope', status: 400 });
  });

  it('environments: sandbox credentials at the production listener → invalid_client', async () => {
    const { creds } = await newClient();
    const client = new TokenClient({ clientId: creds.id, clientSecret: creds.secret, environment: { tokenUrl: `${s.url('production')}/oauth/token` } });
    await expect(client.getToken()).rejects.toMatchObject({ error: 'invalid_client', status: 401 });
  });

  it('no secret leaks: util.inspect and JSON.stringify of a client show neither the secret nor the cached token', async () => {
    const { creds, client } = await newClient();
    const token = await client.getToken();
    for (const text of [inspect(client, { depth: 10, showHidden: true }), JSON.stringify(client)]) {
      expect(text).not.toContain(creds.secret);
      expect(text).not.toContain(token);
    }
  });

  it('RFC 6750 §2.1: fetch() sends Authorization: Bearer with the cached token', async () => {
    const { client } = await newClient();
    const token = await client.getToken();
    const res = await client.fetch(`${rs.url}/v1/webhooks`);
    expect(res.status).toBe(200);
    expect(rs.requests.at(-1)?.headers.authorization).toBe(`Bearer ${token}`);
  });

  it('RFC 6750 §3.1: fetch() on 401 invalid_token renews the token once and retries, body included', async () => {
    const { client } = await newClient();
    const old = await client.getToken();
    // The token dies behind the client's back (revoked by the merchant in the Web Account, say).
    await s.store.tokens.revoke(tokenKey(s.server.hasher, old), s.clock.now());
    const before = tokenRequests();
    const seen = rs.requests.length;
    const res = await client.fetch(`${rs.url}/v1/webhooks`, { method: 'POST', body: 'payload_url=https%3A%2F%2Fexample.com', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(res.status).toBe(200);
    expect(tokenRequests() - before).toBe(1);
    const attempts = rs.requests.slice(seen);
    expect(attempts.map((r) => r.headers.authorization)).toEqual([`Bearer ${old}`, `Bearer ${await client.getToken()}`]);
    expect(attempts.map((r) => r.body)).toEqual(['payload_url=https%3A%2F%2Fexample.com', 'payload_url=https%3A%2F%2Fexample.com']);
  });

  it('single flight on rejection: 100 concurrent fetch() calls hitting a revoked token → one renewal', async () => {
    const { client } = await newClient();
    const old = await client.getToken();
    await s.store.tokens.revoke(tokenKey(s.server.hasher, old), s.clock.now());
    const before = tokenRequests();
    const responses = await Promise.all(Array.from({ length: 100 }, () => client.fetch(`${rs.url}/v1/events`)));
    expect(responses.map((r) => r.status)).toEqual(Array(100).fill(200));
    expect(tokenRequests() - before).toBe(1);
  });

  it('RFC 7009: revoke() revokes the cached token, which is then inactive at /oauth/introspect; the next getToken() gets a new one', async () => {
    const { creds, client } = await newClient();
    const t1 = await client.getToken();
    expect(await client.introspect(t1)).toMatchObject({ active: true });
    await client.revoke();
    expect(await client.introspect(t1)).toEqual({ active: false });
    expect(await s.activeTokens(creds.id)).toBe(0);
    const t2 = await client.getToken();
    expect(t2).not.toBe(t1);
    expect(await client.introspect(t2)).toMatchObject({ active: true });
  });

  it('RFC 7009: revoke(token) revokes that token; revoke() with nothing cached sends nothing', async () => {
    const { client } = await newClient();
    const response = await client.requestToken();
    const before = s.counts.sandbox['/oauth/revoke'] ?? 0;
    await client.revoke();
    expect((s.counts.sandbox['/oauth/revoke'] ?? 0) - before).toBe(0);
    await client.revoke(response.access_token, 'access_token');
    expect((s.counts.sandbox['/oauth/revoke'] ?? 0) - before).toBe(1);
    expect(await client.introspect(response.access_token)).toEqual({ active: false });
  });

  it('RFC 7009 §2.2: revoking an unknown token succeeds', async () => {
    const { client } = await newClient();
    await expect(client.revoke('Z'.repeat(42))).resolves.toBeUndefined();
  });

  it('RFC 7009 §2.1: revoke with bad client credentials → OAuthRequestError invalid_client, and the cache is still dropped', async () => {
    const { creds, client } = await newClient();
    await client.getToken();
    await s.store.clients.delete(creds.id, s.clock.now());
    await expect(client.revoke()).rejects.toMatchObject({ code: 'ERR_OAUTH_RESPONSE_ERROR', error: 'invalid_client', status: 401 });
    // The SDK does not hand out the token it meant to kill: the next call goes to the server (and fails there).
    const before = tokenRequests();
    await expect(client.getToken()).rejects.toMatchObject({ error: 'invalid_client' });
    expect(tokenRequests() - before).toBe(1);
  });

  it('requestToken() returns the whole token response and leaves the cache alone', async () => {
    const { client } = await newClient({ scope: ['webhooks', 'transactions'] });
    const cached = await client.getToken();
    const response = await client.requestToken();
    expect(response).toEqual({ access_token: expect.stringMatching(/^[A-Za-z0-9]{42}$/), token_type: 'Bearer', expires_in: 3600, scope: 'webhooks transactions' });
    expect(response.access_token).not.toBe(cached);
    expect(await client.getToken()).toBe(cached);
  });
});
