import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s256 } from '../../src/core/pkce.js';
import { REQUEST_URI_PREFIX } from '../../src/core/pushed-request.js';
import { purgeExpiredRows } from '../../src/storage/purge.js';
import { AccountAgent } from '../account/agent.js';
import { BACKENDS } from '../helpers/backends.js';
import { VERIFIER } from '../helpers/authorize.js';
import { basic, createTestServer, postForm, type TestServer } from '../helpers/test-server.js';

const CB = 'https://app.example/cb';
const OTHER_CB = 'http://127.0.0.1:9999/cb';
const CHALLENGE = s256(VERIFIER);
const TTL = 300;

/** The request's hidden fields in a rendered consent form (not the form's own CSRF token and nonce). */
const hiddenFields = (body: string) =>
  Object.fromEntries([...body.matchAll(/<input type="hidden" name="([a-z][a-z_]*)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]));

for (const backend of BACKENDS) {
  describe(`par › RFC 9126 pushed authorization requests (${backend.name})`, () => {
    let t: TestServer;
    let app: { id: string; secret: string };
    let other: { id: string; secret: string };
    let parOnly: { id: string; secret: string };
    let agent: AccountAgent;
    let n = 0;

    const request = (over: Record<string, string | undefined> = {}) => {
      const p = new URLSearchParams();
      const base: Record<string, string | undefined> = { response_type: 'code', redirect_uri: CB, scope: 'webhooks', state: 'st-par', code_challenge: CHALLENGE, code_challenge_method: 'S256', ...over };
      for (const [k, v] of Object.entries(base)) if (v !== undefined) p.set(k, v);
      return p.toString();
    };
    const push = async (client = app, over: Record<string, string | undefined> = {}) => {
      const res = await postForm(t.app(), '/oauth/par', request(over), { authorization: basic(client.id, client.secret) });
      expect(res.statusCode, res.body).toBe(201);
      return res.json().request_uri as string;
    };
    const authorizeUrl = (requestUri: string, clientId = app.id, extra = '') => `/oauth/authorize?client_id=${clientId}&request_uri=${encodeURIComponent(requestUri)}${extra}`;
    /** A merchant who has consented to nothing yet, so the consent page shows. */
    const newMerchant = async () => {
      const a = new AccountAgent(t.app());
      await a.signup(`par${++n}-${backend.name}@example.com`);
      return a;
    };
    const exchange = (code: string, client = app) =>
      postForm(t.app(), '/oauth/token', `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${VERIFIER}`, { authorization: basic(client.id, client.secret) });

    beforeAll(async () => {
      t = await createTestServer({ backend, config: { signupsPerIp: 10_000, pushedAuthorizationRequestTtl: TTL } });
      const codeFlow = { grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [CB, OTHER_CB], scopes: ['webhooks', 'devices'] };
      app = await t.client({ name: 'Pushing App', ...codeFlow });
      other = await t.client({ name: 'Other App', ...codeFlow });
      parOnly = await t.client({ name: 'PAR-only App', ...codeFlow, requirePushedAuthorizationRequests: true });
      agent = new AccountAgent(t.app());
      await agent.signup(`par${++n}-${backend.name}@example.com`);
    });
    afterAll(() => t.close());

    it('§2.2: 201 with a urn:ietf:params:oauth:request_uri and expires_in, never cached', async () => {
      const res = await postForm(t.app(), '/oauth/par', request(), { authorization: basic(app.id, app.secret) });
      expect(res.statusCode).toBe(201);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(['expires_in', 'request_uri']);
      expect(body.request_uri).toMatch(new RegExp(`^${REQUEST_URI_PREFIX}[A-Za-z0-9]{42}$`));
      expect(body.expires_in).toBe(TTL);
    });

    it('§2.1: the request_uri is stored only as a keyed hash', async () => {
      const requestUri = await push();
      const reference = requestUri.slice(REQUEST_URI_PREFIX.length);
      expect(await t.store.pushedRequests.find(reference)).toBeUndefined();
      expect(await t.store.pushedRequests.find(t.server.hasher.hash('request_uri', reference))).toMatchObject({ clientId: app.id, consumedAt: null });
    });

    // Each row: what is pushed, and the exact answer (RFC 9126 §2.3: the token endpoint's error format).
    type Row = [string, () => { body: string; headers: Record<string, string> }, number, string];
    it.each<Row>(([
      ['no client authentication at all', () => ({ body: request(), headers: {} }), 401, 'invalid_client'],
      ['client_id alone for a confidential client (§2.1: authenticated as at the token endpoint)', () => ({ body: `${request()}&client_id=${app.id}`, headers: {} }), 401, 'invalid_client'],
      ['a wrong secret', () => ({ body: request(), headers: { authorization: basic(app.id, 'x'.repeat(48)) } }), 401, 'invalid_client'],
      ['client_id in the body naming another client than the header', () => ({ body: `${request()}&client_id=${other.id}`, headers: { authorization: basic(app.id, app.secret) } }), 400, 'invalid_request'],
      ['§2.1: request_uri inside a pushed request', () => ({ body: `${request()}&request_uri=${encodeURIComponent(REQUEST_URI_PREFIX + 'a'.repeat(42))}`, headers: { authorization: basic(app.id, app.secret) } }), 400, 'invalid_request'],
      ['§3 with RFC 9101 §7: a request object', () => ({ body: `${request()}&request=eyJhbGciOiJub25lIn0.e30.`, headers: { authorization: basic(app.id, app.secret) } }), 400, 'request_not_supported'],
      ['§2.3: an unregistered redirect_uri is invalid_request', () => ({ body: request({ redirect_uri: 'https://evil.example/cb' }), headers: { authorization: basic(app.id, app.secret) } }), 400, 'invalid_request'],
      ['no code_challenge (PKCE is mandatory)', () => ({ body: request({ code_challenge: undefined }), headers: { authorization: basic(app.id, app.secret) } }), 400, 'invalid_request'],
      ['response_type=token', () => ({ body: request({ response_type: 'token' }), headers: { authorization: basic(app.id, app.secret) } }), 400, 'unsupported_response_type'],
      ['a scope the client may not have', () => ({ body: request({ scope: 'transactions' }), headers: { authorization: basic(app.id, app.secret) } }), 400, 'invalid_scope'],
      ['RFC 8707: an unknown resource', () => ({ body: request({ resource: 'https://unknown.example/' }), headers: { authorization: basic(app.id, app.secret) } }), 400, 'invalid_target'],
      ['a parameter twice', () => ({ body: `${request()}&scope=devices`, headers: { authorization: basic(app.id, app.secret) } }), 400, 'invalid_request'],
      ['parameters in the URL', () => ({ body: request(), headers: { authorization: basic(app.id, app.secret), 'x-url': '?state=x' } }), 400, 'invalid_request'],
    ] as Row[]).map(([name, make, status, error]): Row => [`${name} → ${status} ${error}`, make, status, error]))('%s', async (_name, make, status, error) => {
      const { body, headers } = make();
      const { 'x-url': query, ...rest } = headers;
      const res = await postForm(t.app(), `/oauth/par${query ?? ''}`, body, rest);
      expect(res.statusCode).toBe(status);
      expect(res.json().error).toBe(error);
      expect(res.headers['cache-control']).toBe('no-store');
      if (status === 401) expect(res.headers['www-authenticate']).toBe('Basic realm="oauth"');
    });

    it('a client without the authorization_code grant → 400 unauthorized_client', async () => {
      const machine = await t.client({ name: 'Machine', grantTypes: ['client_credentials'], redirectUris: [CB] });
      const res = await postForm(t.app(), '/oauth/par', request(), { authorization: basic(machine.id, machine.secret) });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('unauthorized_client');
    });

    it('a public client pushes with client_id alone (§2.1: the authorization endpoint\'s rules, public clients included)', async () => {
      const pub = await t.client({ name: 'Public App', isPublic: true, grantTypes: ['authorization_code'], redirectUris: [CB], scopes: ['webhooks'] });
      const res = await postForm(t.app(), '/oauth/par', `${request()}&client_id=${pub.id}`);
      expect(res.statusCode).toBe(201);
    });

    it('§2: only POST → 405 with Allow: POST', async () => {
      const res = await t.app().inject({ method: 'GET', url: '/oauth/par' });
      expect(res.statusCode).toBe(405);
      expect(res.headers.allow).toBe('POST');
    });

    it('§4: the consent page shows the pushed request; approving redirects with code, the pushed state and iss', async () => {
      const requestUri = await push(app, { state: 'pushed-state' });
      // Other parameters on the URL are ignored (RFC 9101 §6.3): only the pushed ones count.
      const page = await agent.get(authorizeUrl(requestUri, app.id, `&state=url-state&redirect_uri=${encodeURIComponent(OTHER_CB)}&scope=devices`));
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('Pushing App');
      const fields = hiddenFields(page.body);
      expect(fields).toEqual({ client_id: app.id, request_uri: requestUri });
      const approved = await agent.post('/oauth/authorize', { ...fields, decision: 'approve' });
      expect(approved.statusCode).toBe(303);
      const back = new URL(String(approved.headers.location));
      expect(`${back.origin}${back.pathname}`).toBe(CB);
      expect(back.searchParams.get('state')).toBe('pushed-state');
      expect(back.searchParams.get('iss')).toBe(t.server.urls.sandbox);
      const tokens = await exchange(back.searchParams.get('code')!);
      expect(tokens.statusCode).toBe(200);
      expect(tokens.json().scope).toBe('webhooks');
    });

    it('§4: a request_uri is used once: after the answer, the same request_uri is refused without a redirect', async () => {
      const requestUri = await push(app, { scope: 'webhooks devices' });
      const page = await agent.get(authorizeUrl(requestUri));
      const fields = hiddenFields(page.body);
      expect((await agent.post('/oauth/authorize', { ...fields, decision: 'approve' })).statusCode).toBe(303);
      for (const again of [await agent.get(authorizeUrl(requestUri)), await agent.post('/oauth/authorize', { ...fields, decision: 'approve' })]) {
        expect(again.statusCode).toBe(400);
        expect(again.headers.location).toBeUndefined();
        expect(again.body).toContain('expired or was already used');
      }
    });

    it('§4: a denial uses the request up too', async () => {
      const merchant = await newMerchant();
      const requestUri = await push(app, { scope: 'devices' });
      const fields = hiddenFields((await merchant.get(authorizeUrl(requestUri))).body);
      const denied = await merchant.post('/oauth/authorize', { ...fields, decision: 'deny' });
      expect(new URL(String(denied.headers.location)).searchParams.get('error')).toBe('access_denied');
      expect((await merchant.post('/oauth/authorize', { ...fields, decision: 'approve' })).statusCode).toBe(400);
    });

    it('§4: with consent remembered, the GET itself answers, once', async () => {
      const requestUri = await push(app);
      const first = await agent.get(authorizeUrl(requestUri));
      expect(first.statusCode).toBe(303);
      expect(new URL(String(first.headers.location)).searchParams.get('code')).toMatch(/^[A-Za-z0-9]{42}$/);
      const second = await agent.get(authorizeUrl(requestUri));
      expect(second.statusCode).toBe(400);
      expect(second.headers.location).toBeUndefined();
    });

    it('§4: two answers to one pushed request race; exactly one gets a code', async () => {
      const merchant = await newMerchant();
      const requestUri = await push(app, { scope: 'devices' });
      const fields = hiddenFields((await merchant.get(authorizeUrl(requestUri))).body);
      expect(fields.request_uri).toBe(requestUri);
      const csrf = await merchant.csrf();
      const answers = await Promise.all([1, 2, 3].map(() => merchant.post('/oauth/authorize', { ...fields, decision: 'approve' }, { csrf })));
      expect(answers.map((a) => a.statusCode).sort()).toEqual([303, 400, 400]);
    });

    it('§4: an expired request_uri is refused', async () => {
      const merchant = await newMerchant();
      const requestUri = await push(app, { scope: 'devices' });
      const fields = hiddenFields((await merchant.get(authorizeUrl(requestUri))).body);
      expect(fields.request_uri).toBe(requestUri);
      t.clock.advance(TTL);
      try {
        expect((await merchant.get(authorizeUrl(requestUri))).statusCode).toBe(400);
        expect((await merchant.post('/oauth/authorize', { ...fields, decision: 'approve' })).statusCode).toBe(400);
      } finally {
        t.clock.advance(-TTL);
      }
    });

    it('§4 with RFC 9101 §6.3: only for the client that pushed it: another client_id, or none, is refused', async () => {
      const requestUri = await push(app);
      for (const url of [authorizeUrl(requestUri, other.id), `/oauth/authorize?request_uri=${encodeURIComponent(requestUri)}`]) {
        const res = await agent.get(url);
        expect(res.statusCode).toBe(400);
        expect(res.headers.location).toBeUndefined();
      }
      // Refusing another client did not use it up: its own client still can.
      expect((await agent.get(authorizeUrl(requestUri))).statusCode).toBe(303);
    });

    it('an unknown or malformed request_uri is refused without a redirect', async () => {
      for (const uri of [REQUEST_URI_PREFIX + 'b'.repeat(42), 'urn:example:abc', 'https://app.example/request.jwt']) {
        const res = await agent.get(authorizeUrl(uri));
        expect(res.statusCode).toBe(400);
        expect(res.headers.location).toBeUndefined();
      }
    });

    it('§4: a client registered to require PAR gets invalid_request for a plain authorization request, and passes with PAR', async () => {
      const plain = await agent.get(`/oauth/authorize?client_id=${parOnly.id}&${request()}`);
      expect(plain.statusCode).toBe(303);
      const back = new URL(String(plain.headers.location));
      expect(back.searchParams.get('error')).toBe('invalid_request');
      expect(back.searchParams.get('state')).toBe('st-par');
      expect(back.searchParams.get('code')).toBeNull();
      // The consent form's POST is no way around it either.
      const posted = await agent.post('/oauth/authorize', { client_id: parOnly.id, ...Object.fromEntries(new URLSearchParams(request())), decision: 'approve' });
      expect(new URL(String(posted.headers.location)).searchParams.get('error')).toBe('invalid_request');

      const requestUri = await push(parOnly);
      const page = await agent.get(authorizeUrl(requestUri, parOnly.id));
      expect(page.statusCode).toBe(200);
      const approved = await agent.post('/oauth/authorize', { ...hiddenFields(page.body), decision: 'approve' });
      const code = new URL(String(approved.headers.location)).searchParams.get('code')!;
      expect((await exchange(code, parOnly)).statusCode).toBe(200);
    });

    it('Web Account: the credential form\'s "Require pushed authorization requests" is stored and shown with the credential', async () => {
      const merchant = await newMerchant();
      const { id } = await merchant.generate('sandbox', 'PAR shop', { grant_authorization_code: '1', redirect_uris: CB, require_pushed_authorization_requests: '1' });
      expect((await t.store.clients.find(id))?.requirePushedAuthorizationRequests).toBe(true);
      expect((await merchant.get(`/account/credentials/${id}`)).body).toContain('Pushed only');
      expect((await merchant.api('GET', `/account/api/credentials/${id}`)).json()).toMatchObject({ require_pushed_authorization_requests: true });
      const plain = await merchant.generate('sandbox', 'Plain shop', { grant_authorization_code: '1', redirect_uris: CB });
      expect((await t.store.clients.find(plain.id))?.requirePushedAuthorizationRequests).toBe(false);
      expect((await merchant.get(`/account/credentials/${plain.id}`)).body).not.toContain('Pushed only');
    });

    it('expired pushed requests are purged with the other expired rows', async () => {
      const requestUri = await push();
      const hash = t.server.hasher.hash('request_uri', requestUri.slice(REQUEST_URI_PREFIX.length));
      await purgeExpiredRows(t.store, t.clock.now() + TTL - 1);
      expect(await t.store.pushedRequests.find(hash)).toBeDefined();
      await purgeExpiredRows(t.store, t.clock.now() + TTL + 1);
      expect(await t.store.pushedRequests.find(hash)).toBeUndefined();
    });
  });
}
