import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERIFIER } from '../helpers/authorize.js';
import { basic, createTestServer, FORM, type TestServer } from '../helpers/test-server.js';

const CB = 'https://app.example/cb';

/**
 * The exact RFC 6749 §5.2 / RFC 6750 §3 error bodies a client reads: `error` and `error_description`, and
 * the headers that go with them. SDKs and integrators log and show these texts, so they are part of the
 * interface, not decoration.
 */
describe('error bodies › exact error and error_description per failure', () => {
  let t: TestServer;
  let c: { id: string; secret: string };
  let ccOnly: { id: string; secret: string };
  let other: { id: string; secret: string };
  let token: string;
  beforeAll(async () => {
    t = await createTestServer({ config: { clientFailuresPerMinute: 3 } });
    c = await t.client({ grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [CB], scopes: ['webhooks'] });
    ccOnly = await t.client({ scopes: ['webhooks'] });
    other = await t.client({ scopes: ['webhooks'] });
    token = (await t.app().inject({ method: 'POST', url: '/oauth/token', payload: 'grant_type=client_credentials', headers: { ...FORM, authorization: basic(ccOnly.id, ccOnly.secret) } })).json().access_token;
  });
  afterAll(() => t.close());

  const post = (url: string, payload: string, headers: Record<string, string> = {}) => t.app().inject({ method: 'POST', url, payload, headers: { ...FORM, ...headers } });
  const asC = () => ({ authorization: basic(c.id, c.secret) });
  const asCc = () => ({ authorization: basic(ccOnly.id, ccOnly.secret) });

  it.each<[string, () => Promise<{ statusCode: number; json(): unknown }>, number, Record<string, string>]>([
    ['Basic with characters outside base64', () => post('/oauth/token', 'grant_type=client_credentials', { authorization: 'Basic ***' }), 400, { error: 'invalid_request', error_description: 'Malformed Basic credentials' }],
    ['header and body secret together (RFC 6749 §2.3)', () => post('/oauth/token', `grant_type=client_credentials&client_secret=x`, asCc()), 400, { error: 'invalid_request', error_description: 'Use one client authentication method, not two' }],
    ['a body client_id that differs from the header', () => post('/oauth/token', `grant_type=client_credentials&client_id=${other.id}`, asCc()), 400, { error: 'invalid_request', error_description: 'client_id in the body does not match the Authorization header' }],
    ['a wrong secret', () => post('/oauth/token', 'grant_type=client_credentials', { authorization: basic(other.id, 'x'.repeat(48)) }), 401, { error: 'invalid_client', error_description: 'Client authentication failed' }],
    ['no grant_type', () => post('/oauth/token', '', asCc()), 400, { error: 'invalid_request', error_description: 'Missing parameter: grant_type' }],
    ['an unknown grant_type', () => post('/oauth/token', 'grant_type=password', asCc()), 400, { error: 'unsupported_grant_type', error_description: 'Unsupported grant_type' }],
    ['a grant the client was not registered for', () => post('/oauth/token', 'grant_type=refresh_token&refresh_token=x', asCc()), 400, { error: 'unauthorized_client', error_description: 'This client may not use this grant type' }],
    ['a parameter sent twice', () => post('/oauth/token', 'grant_type=client_credentials&scope=webhooks&scope=webhooks', asCc()), 400, { error: 'invalid_request', error_description: 'Parameter sent more than once: scope' }],
    ['a parameter with an odd name sent twice (its name is not echoed)', () => post('/oauth/token', 'grant_type=client_credentials&X-Y=1&X-Y=2', asCc()), 400, { error: 'invalid_request', error_description: 'Parameter sent more than once: (unnamed)' }],
    ['a duplicated name with an upper-case letter is not echoed', () => post('/oauth/token', 'grant_type=client_credentials&Xscope=1&Xscope=2', asCc()), 400, { error: 'invalid_request', error_description: 'Parameter sent more than once: (unnamed)' }],
    ['a duplicated name with a dash is not echoed', () => post('/oauth/token', 'grant_type=client_credentials&scope-x=1&scope-x=2', asCc()), 400, { error: 'invalid_request', error_description: 'Parameter sent more than once: (unnamed)' }],
    ['a duplicated name of 41 letters is not echoed', () => post('/oauth/token', `grant_type=client_credentials&${'a'.repeat(41)}=1&${'a'.repeat(41)}=2`, asCc()), 400, { error: 'invalid_request', error_description: 'Parameter sent more than once: (unnamed)' }],
    ['a JSON token of null counts as missing', () => t.app().inject({ method: 'POST', url: '/oauth/revoke', payload: '{"token":null}', headers: { 'content-type': 'application/json', ...asCc() } }), 400, { error: 'invalid_request', error_description: 'Missing parameter: token' }],
    ['an empty grant_type counts as missing (RFC 6749 §3.2)', () => post('/oauth/token', 'grant_type=', asCc()), 400, { error: 'invalid_request', error_description: 'Missing parameter: grant_type' }],
    ['a scope with a forbidden character', () => post('/oauth/token', 'grant_type=client_credentials&scope=a%22b', asCc()), 400, { error: 'invalid_scope', error_description: 'Malformed scope' }],
    ['a scope beyond the client', () => post('/oauth/token', 'grant_type=client_credentials&scope=devices', asCc()), 400, { error: 'invalid_scope', error_description: 'The requested scope is not allowed for this client' }],
    ['an unknown code', () => post('/oauth/token', `grant_type=authorization_code&code=nope&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${VERIFIER}`, asC()), 400, { error: 'invalid_grant', error_description: 'The authorization code is invalid, expired or already used' }],
    ['a code_verifier of 42 characters', () => post('/oauth/token', `grant_type=authorization_code&code=nope&code_verifier=${'v'.repeat(42)}`, asC()), 400, { error: 'invalid_request', error_description: 'code_verifier must be 43-128 unreserved characters (RFC 7636 §4.1)' }],
    ['an unknown refresh token', () => post('/oauth/token', 'grant_type=refresh_token&refresh_token=nope', asC()), 400, { error: 'invalid_grant', error_description: 'The refresh token is invalid, expired or revoked' }],
    ['revoking another client\'s token (SECURITY-CASES E5)', () => post('/oauth/revoke', `token=${token}`, { authorization: basic(other.id, other.secret) }), 400, { error: 'unauthorized_client', error_description: 'The token was not issued to this client' }],
    ['a JSON token that is not a string', () => t.app().inject({ method: 'POST', url: '/oauth/revoke', payload: '{"token":1}', headers: { 'content-type': 'application/json', ...asCc() } }), 400, { error: 'invalid_request', error_description: 'Parameter token must be a string' }],
    ['GET /oauth/token', () => t.app().inject({ method: 'GET', url: '/oauth/token' }), 405, { error: 'invalid_request', error_description: 'Method not allowed; use POST' }],
  ])('%s', async (_name, send, status, body) => {
    const res = await send();
    expect(res.statusCode).toBe(status);
    expect(res.json()).toEqual(body);
  });

  it('RFC 6749 §5.2: invalid_client carries WWW-Authenticate: Basic realm="oauth" after a Basic attempt, none after client_secret_post', async () => {
    const viaHeader = await post('/oauth/token', 'grant_type=client_credentials', { authorization: basic(other.id, 'y'.repeat(48)) });
    expect(viaHeader.headers['www-authenticate']).toBe('Basic realm="oauth"');
    const viaBody = await post('/oauth/token', `grant_type=client_credentials&client_id=${other.id}&client_secret=${'z'.repeat(48)}`);
    expect(viaBody.statusCode).toBe(401);
    expect(viaBody.headers['www-authenticate']).toBeUndefined();
  });

  it('after the allowed failures: 429 temporarily_unavailable "Too many requests; retry later" with a whole-second Retry-After', async () => {
    const victim = await t.client();
    const guess = () => post('/oauth/token', 'grant_type=client_credentials', { authorization: basic(victim.id, 'q'.repeat(48)) });
    for (let i = 0; i < 3; i++) expect((await guess()).statusCode).toBe(401);
    const res = await guess();
    expect(res.statusCode).toBe(429);
    expect(res.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'Too many requests; retry later' });
    expect(res.headers['retry-after']).toMatch(/^[1-9]\d*$/);
    expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
  });

  it('a JWT-shaped value presented to a server of opaque tokens is simply unknown', async () => {
    const jwtLike = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln';
    expect((await post('/oauth/introspect', `token=${jwtLike}`, asCc())).json()).toEqual({ active: false });
    const res = await t.app().inject({ method: 'GET', url: '/v1/webhooks', headers: { authorization: `Bearer ${jwtLike}` } });
    expect(res.statusCode).toBe(401);
  });

  it('RFC 6750 §3.1 bodies on the Webhook API: missing, malformed, unknown token, missing scope', async () => {
    const get = (authorization?: string) => t.app().inject({ method: 'GET', url: '/v1/webhooks', headers: authorization ? { authorization } : {} });
    expect((await get()).json()).toEqual({ error_description: 'An access token is required' });
    expect((await get('Bearer a b')).json()).toEqual({ error: 'invalid_request', error_description: 'Malformed Authorization header; expected "Bearer <token>"' });
    expect((await get('Bearer unknown')).json()).toEqual({ error: 'invalid_token', error_description: 'The access token is not valid' });
    const narrow = await t.client({ scopes: ['devices'] });
    const devicesOnly = (await post('/oauth/token', 'grant_type=client_credentials', { authorization: basic(narrow.id, narrow.secret) })).json().access_token;
    expect((await get(`Bearer ${devicesOnly}`)).json()).toEqual({ error: 'insufficient_scope', error_description: 'The access token lacks the required scope' });
  });
});
