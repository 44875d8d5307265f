import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntrospectionTokenValidator } from '../../src/http/bearer-auth.js';
import { grantCode, VERIFIER } from '../helpers/authorize.js';
import { BACKENDS } from '../helpers/backends.js';
import { basic, createTestServer, postForm, TestClock, type TestServer } from '../helpers/test-server.js';

const CB = 'https://app.example/cb';
type Creds = { id: string; secret: string };

for (const backend of BACKENDS) {
  describe(`client authentication › a confidential client never passes on its client_id alone (${backend.name})`, () => {
    let t: TestServer;
    let c: Creds;
    beforeAll(async () => {
      t = await createTestServer({ backend });
      c = await t.client({ grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [CB] });
    });
    afterAll(() => t.close());

    const pair = async () => {
      const res = await postForm(t.app(), '/oauth/token', `grant_type=authorization_code&code=${await grantCode(t, c.id)}&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${VERIFIER}`, {
        authorization: basic(c.id, c.secret),
      });
      expect(res.statusCode).toBe(200);
      return res.json() as { access_token: string; refresh_token: string };
    };
    const active = async (tok: string) => (await postForm(t.app(), '/oauth/introspect', `token=${tok}`, { authorization: basic(c.id, c.secret) })).json().active;
    const expectInvalidClient = (res: { statusCode: number; json(): { error: string } }) => {
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toBe('invalid_client');
    };

    it('RFC 6749 §2.3.1: /oauth/revoke with client_id and no secret → 401, the token stays active', async () => {
      const p = await pair();
      expectInvalidClient(await postForm(t.app(), '/oauth/revoke', `client_id=${c.id}&token=${p.refresh_token}`));
      expectInvalidClient(await postForm(t.app(), '/oauth/revoke', `client_id=${c.id}&token=${p.access_token}`));
      expect(await active(p.refresh_token)).toBe(true);
      expect(await active(p.access_token)).toBe(true);
    });

    it('refresh_token grant with client_id and no secret → 401; the refresh token still works for its client', async () => {
      const p = await pair();
      expectInvalidClient(await postForm(t.app(), '/oauth/token', `grant_type=refresh_token&client_id=${c.id}&refresh_token=${p.refresh_token}`));
      const ok = await postForm(t.app(), '/oauth/token', `grant_type=refresh_token&refresh_token=${p.refresh_token}`, { authorization: basic(c.id, c.secret) });
      expect(ok.statusCode).toBe(200);
    });

    it('authorization_code grant with client_id and no secret → 401; the code stays redeemable', async () => {
      const code = await grantCode(t, c.id);
      const body = `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${VERIFIER}`;
      expectInvalidClient(await postForm(t.app(), '/oauth/token', `${body}&client_id=${c.id}`));
      expect((await postForm(t.app(), '/oauth/token', body, { authorization: basic(c.id, c.secret) })).statusCode).toBe(200);
    });
  });

  describe(`token kinds › a refresh token is never taken for an access token (${backend.name})`, () => {
    let t: TestServer;
    let c: Creds;
    let rs: Creds;
    let p: { access_token: string; refresh_token: string };
    beforeAll(async () => {
      t = await createTestServer({ backend });
      c = await t.client({ grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [CB], scopes: ['webhooks'] });
      rs = await t.client({ isResourceServer: true, scopes: ['webhooks'] });
      const res = await postForm(t.app(), '/oauth/token', `grant_type=authorization_code&code=${await grantCode(t, c.id)}&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${VERIFIER}`, {
        authorization: basic(c.id, c.secret),
      });
      p = res.json();
    });
    afterAll(() => t.close());

    /** The validator's fetch, answered by this server in process. */
    const viaApp: typeof fetch = async (_input, init) => {
      const res = await t.app().inject({ method: 'POST', url: '/oauth/introspect', headers: init!.headers as Record<string, string>, payload: String(init!.body) });
      return new Response(res.body, { status: res.statusCode, headers: { 'content-type': 'application/json' } });
    };

    it('RFC 7662 §2.2: introspecting a refresh token reports token_type "refresh_token", not "Bearer"', async () => {
      for (const caller of [c, rs]) {
        const body = (await postForm(t.app(), '/oauth/introspect', `token=${p.refresh_token}`, { authorization: basic(caller.id, caller.secret) })).json();
        expect(body).toMatchObject({ active: true, client_id: c.id, token_type: 'refresh_token', scope: 'webhooks' });
      }
      const access = (await postForm(t.app(), '/oauth/introspect', `token=${p.access_token}`, { authorization: basic(rs.id, rs.secret) })).json();
      expect(access).toMatchObject({ active: true, token_type: 'Bearer' });
    });

    it('RFC 6750: the Webhook API (store path) refuses a refresh token as a bearer token → 401 invalid_token', async () => {
      const res = await t.app().inject({ method: 'GET', url: '/v1/webhooks', headers: { authorization: `Bearer ${p.refresh_token}` } });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token"');
      const ok = await t.app().inject({ method: 'GET', url: '/v1/webhooks', headers: { authorization: `Bearer ${p.access_token}` } });
      expect(ok.statusCode).toBe(200);
    });

    it('the introspection-based validator refuses a refresh token and accepts the access token', async () => {
      const v = new IntrospectionTokenValidator({ endpoint: 'http://auth.test/oauth/introspect', clientId: rs.id, clientSecret: rs.secret, clock: t.clock, fetch: viaApp });
      expect(await v.validate(p.refresh_token)).toEqual({ active: false, reason: 'invalid' });
      expect(await v.validate(p.access_token)).toMatchObject({ active: true, clientId: c.id, scopes: ['webhooks'] });
    });
  });
}

describe('IntrospectionTokenValidator › only an answer that itself says "Bearer" (or "DPoP" with its key) is an access token', () => {
  const clock = new TestClock();
  const answering = (body: Record<string, unknown>): typeof fetch => async () =>
    new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  const active = { active: true, client_id: 'c'.repeat(24), scope: 'webhooks', exp: clock.now() + 60 };

  it.each([
    ['"Bearer"', { token_type: 'Bearer' }, true],
    ['"bearer" (RFC 6749 §7.1: case-insensitive)', { token_type: 'bearer' }, true],
    ['"refresh_token"', { token_type: 'refresh_token' }, false],
    ['no token_type at all', {}, false],
    ['a token_type that is not a string', { token_type: ['Bearer'] }, false],
    ['"DPoP" with cnf.jkt (RFC 9449 §6.2)', { token_type: 'DPoP', cnf: { jkt: 'k'.repeat(43) } }, true],
    ['"DPoP" without cnf.jkt: no key to check a proof against', { token_type: 'DPoP' }, false],
  ])('token_type %s → active %s', async (_name, extra, expected) => {
    const v = new IntrospectionTokenValidator({ endpoint: 'http://auth.test/oauth/introspect', clientId: 'rs', clientSecret: 's', clock, fetch: answering({ ...active, ...extra }) });
    expect((await v.validate('t')).active).toBe(expected);
  });

  it('an answer without scope grants no scope at all (not one empty scope)', async () => {
    const { scope: _scope, ...noScope } = active;
    const v = new IntrospectionTokenValidator({ endpoint: 'http://auth.test/oauth/introspect', clientId: 'rs', clientSecret: 's', clock, fetch: answering({ ...noScope, token_type: 'Bearer' }) });
    expect(await v.validate('t')).toEqual({ active: true, clientId: 'c'.repeat(24), scopes: [], expiresAt: active.exp, jkt: null });
  });
});

describe('token kinds › with RFC 9068 JWT access tokens, a refresh token is still no bearer token', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer({ config: { accessTokenFormat: { sandbox: 'jwt', production: 'opaque' } } });
  });
  afterAll(() => t.close());

  it('the Webhook API accepts the JWT access token and refuses the (opaque) refresh token → 401 invalid_token', async () => {
    const c = await t.client({ grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [CB], scopes: ['webhooks'] });
    const p = (
      await postForm(t.app(), '/oauth/token', `grant_type=authorization_code&code=${await grantCode(t, c.id)}&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${VERIFIER}`, {
        authorization: basic(c.id, c.secret),
      })
    ).json();
    expect(p.access_token.split('.')).toHaveLength(3);
    const ok = await t.app().inject({ method: 'GET', url: '/v1/webhooks', headers: { authorization: `Bearer ${p.access_token}` } });
    expect(ok.statusCode).toBe(200);
    const refused = await t.app().inject({ method: 'GET', url: '/v1/webhooks', headers: { authorization: `Bearer ${p.refresh_token}` } });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token"');
  });
});
