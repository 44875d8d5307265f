import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grantCode, VERIFIER } from '../helpers/authorize.js';
import { basic, createTestServer, postForm, type TestServer } from '../helpers/test-server.js';

/** Issue 7 item 4: the Webhook API's bearer layer takes our RFC 9068 JWTs, and honours their revocation. */
describe('JWT access tokens › at the Webhook API and from the code flow', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer({ config: { accessTokenFormat: { sandbox: 'jwt', production: 'opaque' } } });
  });
  afterAll(() => t.close());

  const webhooks = (token: string) => t.app().inject({ method: 'GET', url: '/v1/webhooks', headers: { authorization: `Bearer ${token}` } });

  it('a client_credentials JWT opens GET /v1/webhooks; revoked, it gets 401 invalid_token on the next request', async () => {
    const c = await t.client({ scopes: ['webhooks'] });
    const tok = (await postForm(t.app(), '/oauth/token', 'grant_type=client_credentials', { authorization: basic(c.id, c.secret) })).json().access_token as string;
    expect(tok.split('.')).toHaveLength(3);
    expect((await webhooks(tok)).statusCode).toBe(200);
    expect((await postForm(t.app(), '/oauth/revoke', `token=${tok}`, { authorization: basic(c.id, c.secret) })).statusCode).toBe(200);
    const after = await webhooks(tok);
    expect(after.statusCode).toBe(401);
    expect(String(after.headers['www-authenticate'])).toContain('error="invalid_token"');
  });

  it('a JWT signed by someone else is refused', async () => {
    const c = await t.client({ scopes: ['webhooks'] });
    const tok = (await postForm(t.app(), '/oauth/token', 'grant_type=client_credentials', { authorization: basic(c.id, c.secret) })).json().access_token as string;
    const [h, p] = tok.split('.');
    expect((await webhooks(`${h}.${p}.${'A'.repeat(86)}`)).statusCode).toBe(401);
  });

  it('the code flow issues a JWT access token with the merchant as sub, and an opaque refresh token', async () => {
    const c = await t.client({ grantTypes: ['authorization_code', 'refresh_token'], redirectUris: ['https://app.example/cb'], scopes: ['webhooks'] });
    const code = await grantCode(t, c.id, { subject: 'merchant-42' });
    const res = await postForm(t.app(), '/oauth/token', `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent('https://app.example/cb')}&code_verifier=${VERIFIER}`, { authorization: basic(c.id, c.secret) });
    expect(res.statusCode).toBe(200);
    const { access_token, refresh_token } = res.json();
    const claims = JSON.parse(Buffer.from(access_token.split('.')[1], 'base64url').toString());
    expect(claims).toMatchObject({ sub: 'merchant-42', client_id: c.id, scope: 'webhooks' });
    expect(refresh_token).toMatch(/^[A-Za-z0-9]{42}$/);
    expect((await webhooks(access_token)).statusCode).toBe(200);
  });
});
