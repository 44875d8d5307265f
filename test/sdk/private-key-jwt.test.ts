import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader, exportJWK, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenClient, type PrivateKeyJwtOptions } from '../../packages/client/src/index.js';
import { parsePublicKeys } from '../../src/core/client-keys.js';
import { startPeer, startSocketServer, type Peer, type SocketServer } from './socket-server.js';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const TOKEN_BODY = JSON.stringify({ access_token: 'a'.repeat(42), token_type: 'Bearer', expires_in: 3600 });

/** Key pairs of every algorithm the SDK signs assertions with, as node:crypto KeyObjects. */
const pairs = {
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  EdDSA: generateKeyPairSync('ed25519'),
  RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
  PS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
};
const rsaPss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 });

describe('TokenClient › private_key_jwt (RFC 7523) as sent', () => {
  let peer: Peer;
  beforeAll(async () => {
    peer = await startPeer((req, _body, res) => {
      const path = req.url ?? '';
      if (path === '/oauth/token') res.writeHead(200, { 'content-type': 'application/json' }).end(TOKEN_BODY);
      else if (path === '/oauth/introspect') res.writeHead(200, { 'content-type': 'application/json' }).end('{"active":false}');
      else res.writeHead(200).end();
    });
  });
  afterAll(() => peer.close());

  const client = (clientAuth: PrivateKeyJwtOptions, extra = {}) =>
    new TokenClient({ clientId: 'C'.repeat(24), environment: { tokenUrl: `${peer.url}/oauth/token` }, clientAuth, ...extra });
  const lastForm = () => new URLSearchParams(peer.requests.at(-1)!.body);

  it.each(Object.keys(pairs) as Array<keyof typeof pairs>)('§3: a %s assertion verifies, iss = sub = client, aud = token URL, exp ≤ 60 s after iat, a jti', async (alg) => {
    const { privateKey, publicKey } = pairs[alg];
    // An RSA key signs RS256 unless told PS256.
    await client({ method: 'private_key_jwt', privateKey, kid: 'k1', ...(alg === 'PS256' ? { alg } : {}) }).requestToken();
    const form = lastForm();
    expect(form.get('client_assertion_type')).toBe(JWT_BEARER);
    expect(peer.requests.at(-1)!.headers.authorization).toBeUndefined();
    expect(form.has('client_secret')).toBe(false);
    const { payload, protectedHeader } = await jwtVerify(form.get('client_assertion')!, publicKey, {
      issuer: 'C'.repeat(24),
      subject: 'C'.repeat(24),
      audience: `${peer.url}/oauth/token`,
      algorithms: [alg],
    });
    expect(protectedHeader).toEqual({ alg, kid: 'k1' });
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(60);
    expect(payload.exp! - payload.iat!).toBeGreaterThan(0);
    expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a WebCrypto CryptoKey (non-extractable) and a private JWK sign too; a JWK lends its kid and alg', async () => {
    const { privateKey: ck, publicKey: cpub } = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
    await client({ method: 'private_key_jwt', privateKey: ck }).requestToken();
    expect((await jwtVerify(lastForm().get('client_assertion')!, cpub)).protectedHeader).toEqual({ alg: 'ES256' });

    const jwk = { ...(await exportJWK(pairs.RS256.privateKey)), kid: 'rsa-1', alg: 'PS256' };
    await client({ method: 'private_key_jwt', privateKey: jwk }).requestToken();
    const header = decodeProtectedHeader(lastForm().get('client_assertion')!);
    expect(header).toEqual({ alg: 'PS256', kid: 'rsa-1' });
    await jwtVerify(lastForm().get('client_assertion')!, pairs.RS256.publicKey, { algorithms: ['PS256'] });
  });

  it('an RSA-PSS key signs PS256 by default', async () => {
    await client({ method: 'private_key_jwt', privateKey: rsaPss.privateKey }).requestToken();
    expect(decodeProtectedHeader(lastForm().get('client_assertion')!)).toEqual({ alg: 'PS256' });
  });

  it('revocation and introspection carry a fresh assertion too; every request a new jti', async () => {
    const c = client({ method: 'private_key_jwt', privateKey: pairs.ES256.privateKey });
    const start = peer.requests.length;
    await c.requestToken();
    await c.revoke('x'.repeat(42));
    await c.introspect('x'.repeat(42));
    const sent = peer.requests.slice(start);
    expect(sent.map((r) => r.path)).toEqual(['/oauth/token', '/oauth/revoke', '/oauth/introspect']);
    const jtis = await Promise.all(
      sent.map(async (r) => {
        const form = new URLSearchParams(r.body);
        expect(form.get('client_assertion_type')).toBe(JWT_BEARER);
        return (await jwtVerify(form.get('client_assertion')!, pairs.ES256.publicKey)).payload.jti;
      }),
    );
    expect(new Set(jtis).size).toBe(3);
  });

  it('a retried request carries a new assertion: a jti is single use (§3 item 7)', async () => {
    let calls = 0;
    const flaky = await startPeer((_req, _body, res) => {
      if (calls++ === 0) res.writeHead(503).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(TOKEN_BODY);
    });
    try {
      const c = new TokenClient({
        clientId: 'C'.repeat(24),
        environment: { tokenUrl: `${flaky.url}/oauth/token` },
        clientAuth: { method: 'private_key_jwt', privateKey: pairs.EdDSA.privateKey },
        sleep: async () => {},
      });
      await c.requestToken();
      const [a, b] = flaky.requests.map((r) => new URLSearchParams(r.body).get('client_assertion'));
      expect(a).toBeTruthy();
      expect(b).not.toBe(a);
    } finally {
      await flaky.close();
    }
  });

  it('audience option: the assertion names the issuer instead of the token URL', async () => {
    await client({ method: 'private_key_jwt', privateKey: pairs.ES256.privateKey, audience: peer.url }).requestToken();
    const { payload } = await jwtVerify(lastForm().get('client_assertion')!, pairs.ES256.publicKey);
    expect(payload.aud).toBe(peer.url);
  });

  it('bad options are TypeErrors at construction: a secret beside clientAuth, a public key, an alg the key cannot make', async () => {
    const tokenUrl = `${peer.url}/oauth/token`;
    const make = (o: object) => () => new TokenClient({ clientId: 'C'.repeat(24), environment: { tokenUrl }, ...o });
    expect(make({ clientSecret: 's'.repeat(48), clientAuth: { method: 'private_key_jwt', privateKey: pairs.ES256.privateKey } })).toThrow(TypeError);
    expect(make({ clientAuth: { method: 'private_key_jwt', privateKey: pairs.ES256.publicKey } })).toThrow(/private key/);
    expect(make({ clientAuth: { method: 'private_key_jwt', privateKey: pairs.ES256.privateKey, alg: 'RS256' } })).toThrow(/does not fit/);
    expect(make({ clientAuth: { method: 'private_key_jwt', privateKey: rsaPss.privateKey, alg: 'RS256' } })).toThrow(/does not fit/);
    expect(make({ clientAuth: { method: 'client_secret_jwt', privateKey: pairs.ES256.privateKey } })).toThrow(/private_key_jwt/);
    expect(make({ clientAuth: { method: 'private_key_jwt', privateKey: await exportJWK(pairs.ES256.publicKey) } })).toThrow(TypeError);
  });
});

describe('TokenClient › private_key_jwt against the real server', () => {
  let s: SocketServer;
  beforeAll(async () => {
    s = await startSocketServer();
  });
  afterAll(() => s?.close());

  async function keyClient(publicJwks: JWK[]) {
    return s.client({ publicKeys: await parsePublicKeys(JSON.stringify({ keys: publicJwks })), scopes: ['webhooks'] });
  }

  it('a client registered with public keys gets a token, introspects and revokes it with assertions only', async () => {
    const jwk = { ...(await exportJWK(pairs.ES256.publicKey)), kid: 'es-1' };
    const { id } = await keyClient([jwk]);
    const c = new TokenClient({
      clientId: id,
      environment: { tokenUrl: `${s.url()}/oauth/token` },
      clock: s.clock,
      clientAuth: { method: 'private_key_jwt', privateKey: pairs.ES256.privateKey, kid: 'es-1' },
    });
    const token = await c.getToken();
    expect(await c.introspect(token)).toMatchObject({ active: true, client_id: id, scope: 'webhooks' });
    await c.revoke();
    expect(await c.introspect(token)).toMatchObject({ active: false });
    expect(await s.activeTokens(id)).toBe(0);
  });

  it('an assertion signed by an unregistered key is refused: invalid_client, no token', async () => {
    const { id } = await keyClient([await exportJWK(pairs.EdDSA.publicKey)]);
    const c = new TokenClient({
      clientId: id,
      environment: { tokenUrl: `${s.url()}/oauth/token` },
      clock: s.clock,
      clientAuth: { method: 'private_key_jwt', privateKey: generateKeyPairSync('ed25519').privateKey },
    });
    await expect(c.getToken()).rejects.toMatchObject({ code: 'ERR_OAUTH_RESPONSE_ERROR', error: 'invalid_client', status: 401 });
    expect(await s.activeTokens(id)).toBe(0);
  });

  it('the key works in every form the SDK takes: an RSA JWK with kid signs RS256 that the server verifies', async () => {
    const pub = { ...(await exportJWK(pairs.RS256.publicKey)), kid: 'rsa-1' };
    const { id } = await keyClient([pub]);
    const priv = { ...(await exportJWK(pairs.RS256.privateKey)), kid: 'rsa-1' };
    const c = new TokenClient({ clientId: id, environment: { tokenUrl: `${s.url()}/oauth/token` }, clock: s.clock, clientAuth: { method: 'private_key_jwt', privateKey: priv } });
    expect(await c.requestToken()).toMatchObject({ token_type: 'Bearer', scope: 'webhooks' });
  });
});
