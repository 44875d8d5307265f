import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountAgent } from '../account/agent.js';
import { s256 } from '../../src/core/pkce.js';
import { IntrospectionTokenValidator } from '../../src/http/bearer-auth.js';
import { BACKENDS } from '../helpers/backends.js';
import { VERIFIER, grantCode } from '../helpers/authorize.js';
import { basic, createTestServer, postForm, type TestServer } from '../helpers/test-server.js';

const CB = 'https://app.example/cb';
const WEBHOOK_API = 'https://sandbox-api.example.com';
const TRANSACTIONS = 'https://transactions.example.com/v1';

for (const backend of BACKENDS) {
  describe(`resource indicators › RFC 8707 (${backend.name})`, () => {
    let t: TestServer;
    let machine: { id: string; secret: string };
    let app: { id: string; secret: string };
    let auth: string;

    const token = async (body: string, who = machine) => postForm(t.app(), '/oauth/token', body, { authorization: basic(who.id, who.secret) });
    const webhooks = (accessToken: string) => t.app().inject({ method: 'GET', url: '/v1/webhooks', headers: { authorization: `Bearer ${accessToken}` } });
    const introspect = async (value: string) => (await postForm(t.app(), '/oauth/introspect', `token=${value}`, { authorization: auth })).json();
    /** Tokens for a code whose authorization request named `resources` (null: none). */
    const codeTokens = async (resources: string[] | null, tokenResource = '') => {
      const code = await grantCode(t, app.id, { redirectUri: CB, resources });
      return token(`grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${VERIFIER}${tokenResource}`, app);
    };

    beforeAll(async () => {
      t = await createTestServer({ backend, config: { sandboxWebhookResource: WEBHOOK_API, sandboxResourceServers: [TRANSACTIONS], signupsPerIp: 10_000 } });
      machine = await t.client({ name: 'Machine' });
      app = await t.client({ name: 'Code app', grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [CB] });
      const rs = await t.client({ name: 'Resource server', isResourceServer: true });
      auth = basic(rs.id, rs.secret);
    });
    afterAll(() => t.close());

    it('no resource: today\'s token, valid at the Webhook API, introspection names no audience', async () => {
      const res = await token('grant_type=client_credentials');
      expect(res.statusCode).toBe(200);
      expect((await webhooks(res.json().access_token)).statusCode).toBe(200);
      expect(await introspect(res.json().access_token)).not.toHaveProperty('aud');
    });

    it('§2: resource=the Webhook API → valid there; introspection answers aud', async () => {
      const res = await token(`grant_type=client_credentials&resource=${encodeURIComponent(WEBHOOK_API)}`);
      expect(res.statusCode).toBe(200);
      expect((await webhooks(res.json().access_token)).statusCode).toBe(200);
      expect(await introspect(res.json().access_token)).toMatchObject({ active: true, aud: WEBHOOK_API });
    });

    it('§2: a token for another resource server is refused at the Webhook API: 401 invalid_token with WWW-Authenticate', async () => {
      const res = await token(`grant_type=client_credentials&resource=${encodeURIComponent(TRANSACTIONS)}`);
      expect(res.statusCode).toBe(200);
      const refused = await webhooks(res.json().access_token);
      expect(refused.statusCode).toBe(401);
      expect(refused.json().error).toBe('invalid_token');
      expect(refused.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_token"');
      expect(await introspect(res.json().access_token)).toMatchObject({ active: true, aud: TRANSACTIONS });
    });

    it('§2: resource repeated → an audience of both, valid at each', async () => {
      const res = await token(`grant_type=client_credentials&resource=${encodeURIComponent(TRANSACTIONS)}&resource=${encodeURIComponent(WEBHOOK_API)}`);
      expect(res.statusCode).toBe(200);
      expect((await webhooks(res.json().access_token)).statusCode).toBe(200);
      expect((await introspect(res.json().access_token)).aud).toEqual([TRANSACTIONS, WEBHOOK_API]);
    });

    // §2: "invalid_target: the requested resource is invalid, missing, unknown, or malformed".
    it.each([
      ['a relative reference', '/v1/webhooks'],
      ['no scheme', 'sandbox-api.example.com'],
      ['a fragment', `${WEBHOOK_API}#webhooks`],
      ['an unknown resource server', 'https://unknown.example.com'],
      ['a near miss of a known one (exact comparison)', `${WEBHOOK_API}/`],
      ['whitespace inside', 'https://sandbox-api.example.com/a b'],
    ])('token endpoint: %s → 400 invalid_target, no-store', async (_name, resource) => {
      const res = await token(`grant_type=client_credentials&resource=${encodeURIComponent(resource)}`);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_target');
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('authorization endpoint: an unknown or malformed resource → redirect with error=invalid_target', async () => {
      const agent = new AccountAgent(t.app());
      await agent.signup(`rs-${backend.name}@example.com`);
      for (const resource of ['https://unknown.example.com', `${WEBHOOK_API}#x`]) {
        const q = new URLSearchParams({ response_type: 'code', client_id: app.id, redirect_uri: CB, state: 's', code_challenge: s256(VERIFIER), code_challenge_method: 'S256', resource });
        const res = await agent.get(`/oauth/authorize?${q}`);
        expect(res.statusCode).toBe(303);
        const back = new URL(String(res.headers.location));
        expect(back.searchParams.get('error')).toBe('invalid_target');
        expect(back.searchParams.get('state')).toBe('s');
      }
      // A known one goes to the consent page, which names it.
      const q = new URLSearchParams({ response_type: 'code', client_id: app.id, redirect_uri: CB, code_challenge: s256(VERIFIER), code_challenge_method: 'S256', resource: TRANSACTIONS });
      const page = await agent.get(`/oauth/authorize?${q}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(TRANSACTIONS);
    });

    it('§2.2: a code granted for one resource → its tokens are restricted to it; asking beyond it is invalid_target', async () => {
      const beyond = await codeTokens([TRANSACTIONS], `&resource=${encodeURIComponent(WEBHOOK_API)}`);
      expect(beyond.statusCode).toBe(400);
      expect(beyond.json().error).toBe('invalid_target');
      const res = await codeTokens([TRANSACTIONS]);
      expect(res.statusCode).toBe(200);
      expect((await webhooks(res.json().access_token)).statusCode).toBe(401);
      expect((await introspect(res.json().refresh_token)).aud).toBe(TRANSACTIONS);
    });

    it('§2.2: refresh may narrow the access token, never widen the grant; a refused widening leaves the refresh token usable', async () => {
      const res = await codeTokens([TRANSACTIONS, WEBHOOK_API], `&resource=${encodeURIComponent(TRANSACTIONS)}`);
      expect(res.statusCode).toBe(200);
      expect((await introspect(res.json().access_token)).aud).toBe(TRANSACTIONS);
      // Narrow to the other granted resource: allowed, since the grant keeps both.
      const narrowed = await token(`grant_type=refresh_token&refresh_token=${res.json().refresh_token}&resource=${encodeURIComponent(WEBHOOK_API)}`, app);
      expect(narrowed.statusCode).toBe(200);
      expect((await webhooks(narrowed.json().access_token)).statusCode).toBe(200);
      expect((await introspect(narrowed.json().refresh_token)).aud).toEqual([TRANSACTIONS, WEBHOOK_API]);

      const onlyTransactions = await codeTokens([TRANSACTIONS]);
      const widened = await token(`grant_type=refresh_token&refresh_token=${onlyTransactions.json().refresh_token}&resource=${encodeURIComponent(WEBHOOK_API)}`, app);
      expect(widened.statusCode).toBe(400);
      expect(widened.json().error).toBe('invalid_target');
      // No resource at all keeps the grant's restriction: still not valid at the Webhook API.
      const kept = await token(`grant_type=refresh_token&refresh_token=${onlyTransactions.json().refresh_token}`, app);
      expect(kept.statusCode).toBe(200);
      expect((await webhooks(kept.json().access_token)).statusCode).toBe(401);
      expect((await introspect(kept.json().access_token)).aud).toBe(TRANSACTIONS);
    });

    it('an unrestricted grant may be narrowed at refresh', async () => {
      const res = await codeTokens(null);
      const narrowed = await token(`grant_type=refresh_token&refresh_token=${res.json().refresh_token}&resource=${encodeURIComponent(TRANSACTIONS)}`, app);
      expect(narrowed.statusCode).toBe(200);
      expect((await webhooks(narrowed.json().access_token)).statusCode).toBe(401);
      expect(await introspect(narrowed.json().refresh_token)).not.toHaveProperty('aud');
    });
  });
}

describe('resource indicators › JWT access tokens (RFC 9068 §3) and the default Webhook API identifier', () => {
  let t: TestServer;
  let machine: { id: string; secret: string };
  beforeAll(async () => {
    t = await createTestServer({ config: { accessTokenFormat: { sandbox: 'jwt', production: 'opaque' }, sandboxResourceServers: [TRANSACTIONS] } });
    machine = await t.client({ name: 'Machine' });
  });
  afterAll(() => t.close());

  const token = (body: string) => postForm(t.app(), '/oauth/token', body, { authorization: basic(machine.id, machine.secret) });
  const webhooks = (accessToken: string) => t.app().inject({ method: 'GET', url: '/v1/webhooks', headers: { authorization: `Bearer ${accessToken}` } });

  it('aud is the resource asked for, else the issuer; the Webhook API\'s identifier defaults to the issuer URL', async () => {
    const issuer = t.server.urls.sandbox;
    const plain = (await token('grant_type=client_credentials')).json().access_token;
    expect(decodeJwt(plain).aud).toBe(issuer);
    const forWebhooks = (await token(`grant_type=client_credentials&resource=${encodeURIComponent(issuer)}`)).json().access_token;
    expect(decodeJwt(forWebhooks).aud).toBe(issuer);
    expect((await webhooks(forWebhooks)).statusCode).toBe(200);
    const elsewhere = (await token(`grant_type=client_credentials&resource=${encodeURIComponent(TRANSACTIONS)}`)).json().access_token;
    expect(decodeJwt(elsewhere).aud).toBe(TRANSACTIONS);
    expect((await webhooks(elsewhere)).statusCode).toBe(401);
  });
});

describe('resource indicators › IntrospectionTokenValidator with an audience', () => {
  const answer = (body: Record<string, unknown>) => (async () => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } })) as unknown as typeof fetch;
  const live = { active: true, token_type: 'Bearer', client_id: 'c', scope: 'webhooks', exp: 4_000_000_000 };
  const validator = (body: Record<string, unknown>) =>
    new IntrospectionTokenValidator({ endpoint: 'https://as.example/oauth/introspect', clientId: 'rs', clientSecret: 's', audience: TRANSACTIONS, fetch: answer(body) });

  it.each([
    ['no aud (unrestricted)', {}, true],
    ['aud naming this resource server', { aud: TRANSACTIONS }, true],
    ['aud list naming it', { aud: [WEBHOOK_API, TRANSACTIONS] }, true],
    ['aud naming another', { aud: WEBHOOK_API }, false],
    ['aud of another type', { aud: 42 }, false],
  ])('%s → active %s', async (_name, extra, active) => {
    const check = await validator({ ...live, ...extra }).validate('token');
    expect(check.active).toBe(active);
    if (!check.active) expect(check.reason).toBe('audience');
  });
});
