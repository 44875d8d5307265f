import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { basic, createTestServer, postForm, type TestServer } from '../helpers/test-server.js';

for (const backend of BACKENDS) {
  describe(`introspection › RFC 7662 (${backend.name})`, () => {
    let t: TestServer;
    let a: { id: string; secret: string };
    let b: { id: string; secret: string };
    let rs: { id: string; secret: string };
    const token = async (c: { id: string; secret: string }, scope = '') =>
      (await postForm(t.app(), '/oauth/token', `grant_type=client_credentials${scope ? `&scope=${scope}` : ''}`, { authorization: basic(c.id, c.secret) })).json().access_token as string;
    const introspect = (c: { id: string; secret: string }, tok: string, env: 'sandbox' | 'production' = 'sandbox') =>
      postForm(t.app(env), '/oauth/introspect', `token=${tok}`, { authorization: basic(c.id, c.secret) });

    beforeAll(async () => {
      t = await createTestServer({ backend });
      a = await t.client();
      b = await t.client();
      rs = await t.client({ isResourceServer: true, scopes: ['webhooks'] });
    });
    afterAll(() => t.close());

    it('§2.2: an active token of the caller → active, scope, client_id, exp, iat, token_type', async () => {
      const tok = await token(a, 'webhooks');
      const res = await introspect(a, tok);
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json();
      expect(body).toMatchObject({ active: true, scope: 'webhooks', client_id: a.id, token_type: 'Bearer' });
      expect(body.exp - body.iat).toBe(3600);
      expect(body.iss).toBe(t.server.urls.sandbox);
    });

    it('§2.1: a resource-server client may introspect any token of its environment', async () => {
      const tok = await token(a);
      expect((await introspect(rs, tok)).json()).toMatchObject({ active: true, client_id: a.id });
    });

    it('§2.2: another client\'s token, for a non-resource-server caller → {"active":false} only', async () => {
      const tok = await token(a);
      expect((await introspect(b, tok)).json()).toEqual({ active: false });
    });

    it('F9: unknown, expired or revoked → {"active":false} and nothing else', async () => {
      expect((await introspect(a, 'garbage')).json()).toEqual({ active: false });
      const revoked = await token(a);
      await postForm(t.app(), '/oauth/revoke', `token=${revoked}`, { authorization: basic(a.id, a.secret) });
      expect((await introspect(a, revoked)).json()).toEqual({ active: false });
      const expiring = await token(a);
      t.clock.advance(3600);
      expect((await introspect(a, expiring)).json()).toEqual({ active: false });
      t.clock.advance(-3600);
    });

    it('F9: introspection without client credentials → 401 invalid_client', async () => {
      const tok = await token(a);
      const res = await postForm(t.app(), '/oauth/introspect', `token=${tok}`);
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toBe('invalid_client');
      expect(res.headers['www-authenticate']).toBe('Basic realm="oauth"');
    });

    it('a sandbox token introspected at the production listener → inactive', async () => {
      const prodRs = await t.client({ environment: 'production', isResourceServer: true });
      const tok = await token(a);
      expect((await introspect(prodRs, tok, 'production')).json()).toEqual({ active: false });
    });

    it('no token parameter → 400 invalid_request; GET → 405', async () => {
      const res = await postForm(t.app(), '/oauth/introspect', '', { authorization: basic(a.id, a.secret) });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_request');
      const get = await t.app().inject({ method: 'GET', url: '/oauth/introspect' });
      expect(get.statusCode).toBe(405);
    });
  });
}

describe('introspection › F11 throttled per resource server', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer({ config: { introspectionPerSecond: 1 } });
  });
  afterAll(() => t.close());

  it('F11: past its budget a caller gets 429 temporarily_unavailable + Retry-After; another caller is unaffected', async () => {
    const rs = await t.client({ isResourceServer: true });
    const other = await t.client({ isResourceServer: true });
    const call = (c: { id: string; secret: string }) => postForm(t.app(), '/oauth/introspect', 'token=x', { authorization: basic(c.id, c.secret) });
    // Budget: 1/s with a burst of 2; ten at once cannot all fit.
    const results = await Promise.all(Array.from({ length: 10 }, () => call(rs)));
    expect(results.filter((r) => r.statusCode === 200).length).toBeGreaterThanOrEqual(2);
    const limited = results.find((r) => r.statusCode === 429)!;
    expect(limited).toBeDefined();
    expect(limited.json().error).toBe('temporarily_unavailable');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await call(other)).statusCode).toBe(200);
  });
});
