import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s256 } from '../../src/core/pkce.js';
import { AccountAgent } from '../account/agent.js';
import { BACKENDS } from '../helpers/backends.js';
import { VERIFIER } from '../helpers/authorize.js';
import { basic, createTestServer, postForm, type TestServer } from '../helpers/test-server.js';

const CB = 'https://app.example/cb';
const CHALLENGE = s256(VERIFIER);

for (const backend of BACKENDS) {
  describe(`authorize › RFC 6749 §4.1 with PKCE, SECURITY-CASES C (${backend.name})`, () => {
    let t: TestServer;
    let app: { id: string; secret: string };
    let agent: AccountAgent;
    let n = 0;

    const query = (over: Record<string, string | undefined> = {}) => {
      const p = new URLSearchParams();
      const base: Record<string, string | undefined> = { response_type: 'code', client_id: app.id, redirect_uri: CB, scope: 'webhooks', state: 'st-1', code_challenge: CHALLENGE, code_challenge_method: 'S256', ...over };
      for (const [k, v] of Object.entries(base)) if (v !== undefined) p.set(k, v);
      return `/oauth/authorize?${p}`;
    };
    const consentForm = (over: Record<string, string> = {}) => ({
      response_type: 'code', client_id: app.id, redirect_uri: CB, scope: 'webhooks', state: 'st-1', code_challenge: CHALLENGE, code_challenge_method: 'S256', decision: 'approve', ...over,
    });
    const location = (res: { headers: Record<string, unknown> }) => new URL(String(res.headers.location));

    beforeAll(async () => {
      t = await createTestServer({ backend, config: { signupsPerIp: 10_000 } });
      app = await t.client({ name: 'Shop App', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [CB, 'http://127.0.0.1:9999/cb'], scopes: ['webhooks', 'devices'] });
      agent = new AccountAgent(t.app());
      await agent.signup(`owner${++n}-${backend.name}@example.com`);
    });
    afterAll(() => t.close());

    it('without a Web Account login → 303 to the login page, which brings the merchant back', async () => {
      const anon = new AccountAgent(t.app());
      const res = await anon.get(query());
      expect(res.statusCode).toBe(303);
      const loc = String(res.headers.location);
      expect(loc.startsWith('/account/login?return_to=')).toBe(true);
      expect(decodeURIComponent(loc.slice(loc.indexOf('=') + 1))).toBe(query());
    });

    it('C13: the consent page names the client and scopes and cannot be framed', async () => {
      const res = await agent.get(query());
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('Shop App');
      expect(res.body).toContain('webhooks');
      expect(String(res.headers['content-security-policy'])).toContain("frame-ancestors 'none'");
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('approve → 303 to the redirect URI with code, state and iss (RFC 9207); the code exchanges once', async () => {
      const res = await agent.post('/oauth/authorize', consentForm());
      expect(res.statusCode).toBe(303);
      const loc = location(res);
      expect(`${loc.origin}${loc.pathname}`).toBe(CB);
      expect(loc.searchParams.get('state')).toBe('st-1');
      expect(loc.searchParams.get('iss')).toBe(t.server.urls.sandbox);
      const code = loc.searchParams.get('code')!;
      const tok = await postForm(t.app(), '/oauth/token', `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${VERIFIER}`, { authorization: basic(app.id, app.secret) });
      expect(tok.statusCode).toBe(200);
      expect(tok.json()).toMatchObject({ scope: 'webhooks', refresh_token: expect.any(String) });
      const intro = await postForm(t.app(), '/oauth/introspect', `token=${tok.json().access_token}`, { authorization: basic(app.id, app.secret) });
      expect(intro.json().sub).toBeDefined();
    });

    it('consent is remembered: the next authorization redirects at once', async () => {
      const res = await agent.get(query({ state: 'st-2' }));
      expect(res.statusCode).toBe(303);
      expect(location(res).searchParams.get('code')).toMatch(/^[A-Za-z0-9]{42}$/);
      expect(location(res).searchParams.get('state')).toBe('st-2');
    });

    it('a wider scope than remembered asks again', async () => {
      const res = await agent.get(query({ scope: 'webhooks devices' }));
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('devices');
    });

    it('deny → 303 with error=access_denied and state', async () => {
      const res = await agent.post('/oauth/authorize', consentForm({ decision: 'deny', scope: 'devices' }));
      expect(res.statusCode).toBe(303);
      expect(location(res).searchParams.get('error')).toBe('access_denied');
      expect(location(res).searchParams.get('state')).toBe('st-1');
    });

    it.each([
      ['C4', 'code_challenge_method=plain', { code_challenge_method: 'plain' }, 'invalid_request'],
      ['C4', 'an unknown code_challenge_method', { code_challenge_method: 'S512' }, 'invalid_request'],
      ['C4', 'no code_challenge_method (plain by default)', { code_challenge_method: undefined }, 'invalid_request'],
      ['C4', 'no code_challenge', { code_challenge: undefined }, 'invalid_request'],
      // RFC 7636 §4.2: an S256 challenge is BASE64URL of 32 bytes, 43 characters exactly.
      ['C4', 'a code_challenge of 44 characters', { code_challenge: CHALLENGE + 'A' }, 'invalid_request'],
      ['C4', 'a code_challenge of 128 characters', { code_challenge: 'A'.repeat(128) }, 'invalid_request'],
      ['C4', 'a code_challenge of 129 characters', { code_challenge: 'A'.repeat(129) }, 'invalid_request'],
      ['C4', 'a code_challenge of 42 characters', { code_challenge: CHALLENGE.slice(0, 42) }, 'invalid_request'],
      ['C4', 'a code_challenge with base64 padding', { code_challenge: CHALLENGE.slice(0, 42) + '=' }, 'invalid_request'],
      ['C4', 'a code_challenge with a character outside base64url', { code_challenge: CHALLENGE.slice(0, 42) + '+' }, 'invalid_request'],
      ['C11', 'a bad scope', { scope: 'admin' }, 'invalid_scope'],
      ['C11', 'response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
      ['C11', 'no response_type', { response_type: undefined }, 'invalid_request'],
    ])('%s: %s → 303 (never 307) to the redirect URI with error, state and iss', async (_row, _name, over, error) => {
      const res = await agent.get(query(over));
      expect(res.statusCode).toBe(303);
      const loc = location(res);
      expect(loc.searchParams.get('error')).toBe(error);
      expect(loc.searchParams.get('state')).toBe('st-1');
      expect(loc.searchParams.get('iss')).toBe(t.server.urls.sandbox);
      expect(loc.searchParams.get('code')).toBeNull();
    });

    it.each([
      'https://app.example/cb.evil.com',
      'https://app.example/cb/../x',
      'https://app.example/cb/%2E%2E/x',
      'https://app.example/cb/%252E%252E/x',
      'https://app.example@evil.com/cb',
      'https://APP.example/cb',
      'HTTPS://app.example/cb',
      'https://app.example:443/cb',
      'https://app.example/cb?extra=1',
      'https://app.example/cb#frag',
      'https://app.example/CB',
      'http://localhost:9999/cb',
    ])('C9: redirect_uri %s (not registered exactly) → 400 page, no Location', async (uri) => {
      const res = await agent.get(query({ redirect_uri: uri }));
      expect(res.statusCode).toBe(400);
      expect(res.headers.location).toBeUndefined();
      expect(res.headers['content-type']).toMatch(/^text\/html/);
    });

    it('C9: no redirect_uri → 400 page, no Location', async () => {
      const res = await agent.get(query({ redirect_uri: undefined }));
      expect(res.statusCode).toBe(400);
      expect(res.headers.location).toBeUndefined();
    });

    it('C10: an unknown client_id → 400 page, no redirect; also a production client at the sandbox', async () => {
      const prod = await t.client({ environment: 'production', grantTypes: ['authorization_code'], redirectUris: [CB] });
      for (const id of ['Unknownclient00000000000', prod.id]) {
        const res = await agent.get(query({ client_id: id }));
        expect(res.statusCode).toBe(400);
        expect(res.headers.location).toBeUndefined();
      }
    });

    it('a repeated parameter → invalid_request (or a page when it is client_id or redirect_uri)', async () => {
      const res = await agent.get(`${query()}&scope=devices`);
      expect(res.statusCode).toBe(303);
      expect(location(res).searchParams.get('error')).toBe('invalid_request');
      const page = await agent.get(`${query()}&redirect_uri=${encodeURIComponent(CB)}`);
      expect(page.statusCode).toBe(400);
      expect(page.headers.location).toBeUndefined();
    });

    it('a client without the authorization_code grant → unauthorized_client', async () => {
      const cc = await t.client({ redirectUris: [CB] });
      const res = await agent.get(query({ client_id: cc.id }));
      expect(res.statusCode).toBe(303);
      expect(location(res).searchParams.get('error')).toBe('unauthorized_client');
    });

    it('C12: the consent POST without a CSRF token, or cross-site, → 403 and no code', async () => {
      const before = await t.store.consents.listForMerchant('nobody');
      const noCsrf = await agent.post('/oauth/authorize', consentForm({ scope: 'devices' }), { csrf: false });
      expect(noCsrf.statusCode).toBe(403);
      expect(noCsrf.headers.location).toBeUndefined();
      const crossSite = await agent.post('/oauth/authorize', consentForm({ scope: 'devices' }), { headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
      expect(crossSite.statusCode).toBe(403);
      expect(crossSite.headers.location).toBeUndefined();
      expect(before).toEqual([]);
    });

    it('withdrawing consent in the Web Account revokes the grant\'s tokens and asks again next time', async () => {
      const res = await agent.get(query({ state: 'w' }));
      const code = location(res).searchParams.get('code')!;
      const tok = (await postForm(t.app(), '/oauth/token', `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${VERIFIER}`, { authorization: basic(app.id, app.secret) })).json();
      const page = await agent.get('/account/apps');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Shop App');
      const withdraw = await agent.post(`/account/apps/${app.id}/withdraw`);
      expect(withdraw.statusCode).toBe(303);
      const intro = await postForm(t.app(), '/oauth/introspect', `token=${tok.access_token}`, { authorization: basic(app.id, app.secret) });
      expect(intro.json()).toEqual({ active: false });
      const refresh = await postForm(t.app(), '/oauth/token', `grant_type=refresh_token&refresh_token=${tok.refresh_token}`, { authorization: basic(app.id, app.secret) });
      expect(refresh.json().error).toBe('invalid_grant');
      expect((await agent.get(query())).statusCode).toBe(200);
    });
  });
}

describe('web account › credentials for the code flow', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer({ config: { signupsPerIp: 10_000 } });
  });
  afterAll(() => t.close());

  it('generates a confidential code-flow credential with redirect URIs and grants, and a public one without a secret', async () => {
    const agent = new AccountAgent(t.app());
    await agent.signup('codeflow@example.com');
    const res = await agent.followSecret(await agent.post('/account/sandbox/credentials', { name: 'Web app', scope_webhooks: '1', grant_authorization_code: '1', grant_refresh_token: '1', redirect_uris: 'https://shop.example/cb\nhttp://127.0.0.1:3000/cb' }));
    expect(res.statusCode).toBe(200);
    const id = /<code id="client-id">([A-Za-z0-9]{24})<\/code>/.exec(res.body)![1]!;
    const client = (await t.store.clients.find(id))!;
    expect(client.grantTypes).toEqual(['client_credentials', 'authorization_code', 'refresh_token']);
    expect(client.redirectUris).toEqual(['https://shop.example/cb', 'http://127.0.0.1:3000/cb']);

    const pub = await agent.api('POST', '/account/api/credentials', { environment: 'sandbox', name: 'SPA', scope: 'webhooks', public_client: '1', grant_refresh_token: '1', redirect_uris: 'https://spa.example/cb' });
    expect(pub.statusCode).toBe(201);
    expect(pub.json()).toMatchObject({ public: true, grant_types: ['authorization_code', 'refresh_token'], redirect_uris: ['https://spa.example/cb'] });
    expect(pub.json().client_secret).toBeUndefined();
  });

  it('RFC 9449 §5.2: "Require DPoP" on the credential form stores dpop_bound_access_tokens and the page says so', async () => {
    const agent = new AccountAgent(t.app());
    await agent.signup('dpop@example.com');
    const form = await agent.get('/account/sandbox');
    expect(form.body).toContain('name="dpop_bound_access_tokens"');
    const res = await agent.followSecret(await agent.post('/account/sandbox/credentials', { name: 'Bound', scope_webhooks: '1', dpop_bound_access_tokens: '1' }));
    const id = /<code id="client-id">([A-Za-z0-9]{24})<\/code>/.exec(res.body)![1]!;
    expect((await t.store.clients.find(id))!.dpopBoundAccessTokens).toBe(true);
    const page = await agent.get(`/account/credentials/${id}`);
    expect(page.body).toContain('<dt>DPoP</dt>');
    const api = await agent.api('POST', '/account/api/credentials', { environment: 'sandbox', name: 'Plain', scope: 'webhooks' });
    expect(api.json().dpop_bound_access_tokens).toBe(false);
  });

  it('a redirect URI that is neither https nor loopback http is refused with a clear message', async () => {
    const agent = new AccountAgent(t.app());
    await agent.signup('badredirect@example.com');
    const before = await t.store.clients.count();
    const res = await agent.post('/account/sandbox/credentials', { name: 'Bad', scope_webhooks: '1', grant_authorization_code: '1', redirect_uris: 'http://shop.example/cb' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('loopback');
    expect(await t.store.clients.count()).toBe(before);
  });
});
