import { createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import jsonwebtoken from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { basic, createTestServer, postForm, type TestServer } from '../helpers/test-server.js';

const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const decode = (jwt: string) => {
  const [h, p] = jwt.split('.');
  return { header: JSON.parse(Buffer.from(h ?? '', 'base64url').toString()), payload: JSON.parse(Buffer.from(p ?? '', 'base64url').toString()) };
};

describe.each(BACKENDS)('JWT access tokens (RFC 9068) in the sandbox, opaque in production ($name)', (backend) => {
  let t: TestServer;
  let c: { id: string; secret: string };
  let rs: { id: string; secret: string };
  beforeAll(async () => {
    t = await createTestServer({ backend, config: { accessTokenFormat: { sandbox: 'jwt', production: 'opaque' } } });
    c = await t.client({ scopes: ['webhooks', 'transactions'] });
    rs = await t.client({ isResourceServer: true });
  });
  afterAll(() => t?.close());

  const token = async (env: 'sandbox' | 'production' = 'sandbox', creds = c, body = 'grant_type=client_credentials&scope=webhooks') => {
    const res = await postForm(t.app(env), '/oauth/token', body, { authorization: basic(creds.id, creds.secret) });
    expect(res.statusCode).toBe(200);
    return res.json() as { access_token: string; expires_in: number; token_type: string; scope: string };
  };
  const introspect = async (value: string, env: 'sandbox' | 'production' = 'sandbox', caller = rs) =>
    (await postForm(t.app(env), '/oauth/introspect', new URLSearchParams({ token: value }).toString(), { authorization: basic(caller.id, caller.secret) })).json();
  const jwks = async (env: 'sandbox' | 'production' = 'sandbox') => {
    const res = await t.app(env).inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(res.statusCode).toBe(200);
    return res.json() as { keys: Array<JsonWebKey & { kid: string }> };
  };

  it('RFC 9068 §2.1/§2.2: typ at+jwt, ES256, kid; iss, aud, sub, client_id, scope, jti, iat, exp', async () => {
    const body = await token();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'webhooks' });
    const { header, payload } = decode(body.access_token);
    const { keys } = await jwks();
    expect(header).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: keys[0]?.kid });
    expect(payload).toEqual({
      iss: 'http://sandbox.test',
      aud: 'http://sandbox.test',
      sub: c.id,
      client_id: c.id,
      scope: 'webhooks',
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
      iat: t.clock.now(),
      exp: t.clock.now() + 3600,
    });
  });

  it('interop: a third-party library (jsonwebtoken) verifies the token against our JWKS', async () => {
    const { access_token } = await token();
    const { keys } = await jwks();
    const { header } = decode(access_token);
    const jwk = keys.find((k) => k.kid === header.kid);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwk).not.toHaveProperty('d');
    const verified = jsonwebtoken.verify(access_token, createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }), {
      algorithms: ['ES256'],
      issuer: 'http://sandbox.test',
      audience: 'http://sandbox.test',
      clockTimestamp: t.clock.now(),
      complete: true,
    });
    expect(verified.header.typ).toBe('at+jwt');
    expect(verified.payload).toMatchObject({ client_id: c.id, scope: 'webhooks' });
  });

  it('RFC 8414: the metadata names the jwks_uri; the JWKS is cacheable', async () => {
    const meta = (await t.app().inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json();
    expect(meta.jwks_uri).toBe('http://sandbox.test/.well-known/jwks.json');
    const res = await t.app().inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(res.headers['cache-control']).toBe('public, max-age=300');
  });

  it('per environment: production keeps opaque tokens and publishes no keys', async () => {
    const p = await t.client({ environment: 'production' });
    const body = await token('production', p);
    expect(body.access_token).toMatch(/^[A-Za-z0-9]{42}$/);
    expect((await jwks('production')).keys).toEqual([]);
  });

  it('RFC 7662: a JWT introspects as active with its scope and client; RFC 7009: once revoked, inactive', async () => {
    const { access_token } = await token();
    expect(await introspect(access_token)).toMatchObject({ active: true, client_id: c.id, scope: 'webhooks', token_type: 'Bearer' });
    const revoked = await postForm(t.app(), '/oauth/revoke', new URLSearchParams({ token: access_token }).toString(), { authorization: basic(c.id, c.secret) });
    expect(revoked.statusCode).toBe(200);
    expect(await introspect(access_token)).toEqual({ active: false });
  });

  it('an expired JWT is inactive at introspection', async () => {
    const { access_token } = await token();
    t.clock.advance(3600);
    expect(await introspect(access_token)).toEqual({ active: false });
  });

  it('a sandbox JWT is unknown in production', async () => {
    const { access_token } = await token();
    const productionRs = await t.client({ environment: 'production', isResourceServer: true });
    expect(await introspect(access_token, 'production', productionRs)).toEqual({ active: false });
  });

  it('the jti alone, presented as an opaque token, is unknown (its digest has its own purpose)', async () => {
    const { access_token } = await token();
    const { jti } = decode(access_token).payload;
    expect(await introspect(jti)).toEqual({ active: false });
  });

  it.each([
    ['signed by another key under our kid', (jwt: string) => {
      const { header, payload } = decode(jwt);
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      return jsonwebtoken.sign(payload, privateKey, { algorithm: 'ES256', header: { ...header } });
    }],
    ['with the payload changed (scope widened)', (jwt: string) => {
      const [h, p, s] = jwt.split('.');
      const payload = JSON.parse(Buffer.from(p ?? '', 'base64url').toString());
      return [h, b64url({ ...payload, scope: 'webhooks transactions' }), s].join('.');
    }],
    ['with alg none', (jwt: string) => {
      const { header, payload } = decode(jwt);
      return `${b64url({ ...header, alg: 'none' })}.${b64url(payload)}.`;
    }],
    ['with typ JWT instead of at+jwt', (jwt: string) => {
      const [, p, s] = jwt.split('.');
      return [b64url({ ...decode(jwt).header, typ: 'JWT' }), p, s].join('.');
    }],
    ['with an unknown kid', (jwt: string) => {
      const [, p, s] = jwt.split('.');
      return [b64url({ ...decode(jwt).header, kid: 'nope' }), p, s].join('.');
    }],
    ['truncated', (jwt: string) => jwt.slice(0, -5)],
  ])('a forged or altered JWT (%s) is inactive', async (_name, alter) => {
    const { access_token } = await token();
    expect(await introspect(alter(access_token))).toEqual({ active: false });
    expect(await introspect(access_token)).toMatchObject({ active: true });
  });

  it('keys at rest: the private key is sealed (no "d" in the clear), bound to its row', async () => {
    await token();
    const [key] = await t.store.signingKeys.listLive('sandbox', t.clock.now());
    expect(key?.privateKeyEncrypted).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(key?.privateKeyEncrypted).not.toContain('"d"');
    expect(JSON.parse(key?.publicJwk ?? '{}')).not.toHaveProperty('d');
  });
});
