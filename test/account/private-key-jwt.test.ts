import { randomBytes, randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { basic, createTestServer, postForm, type TestServer } from '../helpers/test-server.js';
import { AccountAgent } from './agent.js';

const PASSWORD = 'correct horse battery staple';
const ISSUERS = { sandbox: 'http://sandbox.test', production: 'http://production.test' };

async function keyPair(kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK; privateJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid }, privateJwk: { ...(await exportJWK(privateKey)), kid } };
}

describe.each(BACKENDS)('web account › private_key_jwt credentials ($name)', (backend) => {
  let t: TestServer;
  let n = 0;
  const newMerchant = async () => {
    const a = new AccountAgent(t.app());
    await a.signup(`pkjwt${++n}-${backend.name}@example.com`);
    return a;
  };
  /** A token by client assertion (RFC 7523 §2.2) at `environment`: its HTTP status. */
  const token = async (id: string, key: { privateKey: CryptoKey; jwk: JWK }, environment: 'sandbox' | 'production' = 'sandbox') => {
    const now = t.clock.now();
    const jwt = await new SignJWT({ iss: id, sub: id, aud: ISSUERS[environment], iat: now, exp: now + 60, jti: randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid: key.jwk.kid! })
      .sign(key.privateKey);
    const body = new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt });
    return (await postForm(t.app(environment), '/oauth/token', body.toString())).statusCode;
  };
  const idFrom = (location: unknown) => /^\/account\/credentials\/([A-Za-z0-9]{24})\?done=keys$/.exec(String(location))?.[1];

  beforeAll(async () => {
    t = await createTestServer({ backend, config: { signupsPerIp: 10_000, sandboxIssuer: ISSUERS.sandbox, productionIssuer: ISSUERS.production } });
  });
  afterAll(() => t.close());

  it('generate with a pasted JWK: no secret page, no secret; the page shows private_key_jwt and the key; an assertion gets a token', async () => {
    const a = await newMerchant();
    const key = await keyPair('shop-2026');
    const res = await a.post('/account/sandbox/credentials', { name: 'Signed shop', scope_webhooks: '1', jwks: JSON.stringify(key.jwk) });
    expect(res.statusCode).toBe(303);
    const id = idFrom(res.headers.location)!;
    expect(id).toBeDefined();
    const page = await a.get(String(res.headers.location));
    expect(page.body).toContain('It has no secret');
    expect(page.body).toContain('<code id="auth-method">private_key_jwt</code>');
    expect(page.body).toContain('<code>shop-2026</code>');
    expect(page.body).not.toContain('Rotate the secret');
    expect(page.body).not.toContain('id="current-secret"');
    expect(await token(id, key)).toBe(200);
    // A secret-based attempt fails as any wrong credential does.
    expect((await postForm(t.app(), '/oauth/token', 'grant_type=client_credentials', { authorization: basic(id, 'x'.repeat(48)) })).statusCode).toBe(401);
    const audit = (await a.api('GET', `/account/api/credentials/${id}/audit`)).json();
    expect(audit.events[0]).toMatchObject({ action: 'created', detail: { token_endpoint_auth_method: 'private_key_jwt' } });
  });

  it('a private JWK is refused with a clear message, nothing is created, and the pasted key is not echoed back', async () => {
    const a = await newMerchant();
    const key = await keyPair('oops');
    const res = await a.post('/account/sandbox/credentials', { name: 'Oops', scope_webhooks: '1', jwks: JSON.stringify(key.privateJwk) });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('this is a private key');
    expect(res.body).not.toContain(String(key.privateJwk.d));
    expect((await a.api('GET', '/account/api/credentials')).json().credentials).toEqual([]);
  });

  it('key rollover on the page: add the new key (both work), remove the old (only the new works); each step is audited once', async () => {
    const a = await newMerchant();
    const [oldKey, newKey] = await Promise.all([keyPair('old'), keyPair('new')]);
    const id = idFrom((await a.post('/account/sandbox/credentials', { name: 'Rollover', scope_webhooks: '1', jwks: JSON.stringify({ keys: [oldKey.jwk] }) })).headers.location)!;

    // The same rendered form sent twice (a double click) adds the key once.
    const form = { jwks: JSON.stringify(newKey.jwk), _form: randomBytes(16).toString('base64url') };
    const added = await a.post(`/account/credentials/${id}/keys/add`, form);
    expect(added.statusCode).toBe(303);
    expect(added.headers.location).toBe(`/account/credentials/${id}?done=key-added`);
    expect((await a.post(`/account/credentials/${id}/keys/add`, form)).headers.location).toBe(added.headers.location);
    expect(await token(id, oldKey)).toBe(200);
    expect(await token(id, newKey)).toBe(200);

    const page = await a.get(`/account/credentials/${id}`);
    const thumbprints = [...page.body.matchAll(/name="thumbprint" value="([A-Za-z0-9_-]{43})"/g)].map((m) => m[1]!);
    expect(thumbprints).toHaveLength(2);
    const removed = await a.post(`/account/credentials/${id}/keys/remove`, { thumbprint: thumbprints[0]! });
    expect(removed.headers.location).toBe(`/account/credentials/${id}?done=key-removed`);
    expect(await token(id, oldKey)).toBe(401);
    expect(await token(id, newKey)).toBe(200);

    // The last key stays: the page offers no remove button, and a forged request is refused.
    const last = await a.get(`/account/credentials/${id}`);
    expect(last.body).toContain('the only key');
    const refused = await a.post(`/account/credentials/${id}/keys/remove`, { thumbprint: thumbprints[1]! });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('keeps at least one key');

    const events = (await a.api('GET', `/account/api/credentials/${id}/audit`)).json().events as Array<{ action: string; detail: Record<string, unknown> }>;
    expect(events.filter((e) => e.action === 'key_added')).toHaveLength(1);
    expect(events.filter((e) => e.action === 'key_removed')).toEqual([expect.objectContaining({ detail: expect.objectContaining({ kid: 'old' }) })]);
    const auditPage = await a.get(`/account/credentials/${id}/audit`);
    expect(auditPage.body).toContain('Public key added');
    expect(auditPage.body).toContain('ES256 key “old”');
  });

  it('a private_key_jwt credential has no secret to rotate: the rotate form is refused', async () => {
    const a = await newMerchant();
    const id = idFrom((await a.post('/account/sandbox/credentials', { name: 'No secret', scope_webhooks: '1', jwks: JSON.stringify((await keyPair('k')).jwk) })).headers.location)!;
    const res = await a.post(`/account/credentials/${id}/rotate`, { grace_seconds: '0' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('no secret to rotate');
    expect((await a.api('POST', `/account/api/credentials/${id}/rotate`, { grace_seconds: 0 })).statusCode).toBe(400);
  });

  it('G9: in production, adding a key asks for the password again once the login is older than 5 minutes', async () => {
    const a = await newMerchant();
    const [first, second] = await Promise.all([keyPair('p1'), keyPair('p2')]);
    const id = idFrom((await a.post('/account/production/credentials', { name: 'Live', scope_webhooks: '1', jwks: JSON.stringify(first.jwk) })).headers.location)!;
    t.clock.advance(6 * 60);
    const refused = await a.post(`/account/credentials/${id}/keys/add`, { jwks: JSON.stringify(second.jwk) });
    expect(refused.statusCode).toBe(403);
    expect(await token(id, second, 'production')).toBe(401);
    expect((await a.post(`/account/credentials/${id}/keys/add`, { jwks: JSON.stringify(second.jwk), password: PASSWORD })).statusCode).toBe(303);
    expect(await token(id, second, 'production')).toBe(200);
  });

  it('JSON API: create with a JWK Set object → 201 with private_key_jwt, the keys and no client_secret; keys/add and keys/remove', async () => {
    const a = await newMerchant();
    const [k1, k2] = await Promise.all([keyPair('api-1'), keyPair('api-2')]);
    const created = await a.api('POST', '/account/api/credentials', { environment: 'sandbox', name: 'API', scope: 'webhooks', jwks: { keys: [k1.jwk] } });
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({ token_endpoint_auth_method: 'private_key_jwt', public: false, keys: [{ kid: 'api-1', kty: 'EC', alg: 'ES256' }] });
    expect(body.client_secret).toBeUndefined();
    const added = (await a.api('POST', `/account/api/credentials/${body.client_id}/keys/add`, { jwks: k2.jwk })).json();
    expect(added.keys.map((k: { kid: string }) => k.kid)).toEqual(['api-1', 'api-2']);
    const removed = (await a.api('POST', `/account/api/credentials/${body.client_id}/keys/remove`, { thumbprint: added.keys[0].thumbprint })).json();
    expect(removed.keys.map((k: { kid: string }) => k.kid)).toEqual(['api-2']);
    const bad = await a.api('POST', `/account/api/credentials/${body.client_id}/keys/add`, { jwks: { kty: 'oct', k: 'c2VjcmV0' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'invalid_input', error_description: expect.stringContaining('private key') });
  });
});
