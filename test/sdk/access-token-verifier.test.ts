import { generateKeyPairSync } from 'node:crypto';
import jsonwebtoken from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokenVerifier, JwtVerificationError, TokenClient } from '../../packages/client/src/index.js';
import { sqliteBackend } from '../helpers/backends.js';
import { startPeer, startSocketServer, type SocketServer } from './socket-server.js';

const ROTATION = 1000;
const AHEAD = 100;
const TTL = 300;

const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
const parts = (jwt: string) => {
  const [h, p, s] = jwt.split('.');
  return { header: JSON.parse(Buffer.from(h ?? '', 'base64url').toString()), payload: JSON.parse(Buffer.from(p ?? '', 'base64url').toString()), h, p, s };
};

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (err) {
    if (err instanceof JwtVerificationError) return err.code;
    throw err;
  }
}

describe('AccessTokenVerifier (SDK): local validation of the server’s JWT access tokens against its JWKS, over a socket', () => {
  let s: SocketServer;
  let client: TokenClient;
  const jwksFetches = () => s.counts.sandbox['/.well-known/jwks.json'] ?? 0;
  const verifier = (extra: Partial<ConstructorParameters<typeof AccessTokenVerifier>[0]> = {}) =>
    new AccessTokenVerifier({ issuer: s.url(), audience: s.url(), clock: s.clock, ...extra });

  beforeAll(async () => {
    s = await startSocketServer(sqliteBackend, {
      accessTokenFormat: { sandbox: 'jwt', production: 'opaque' },
      signingKeyRotationSeconds: ROTATION,
      signingKeyPublishAheadSeconds: AHEAD,
      accessTokenTtl: TTL,
    });
    const creds = await s.client({ scopes: ['webhooks'] });
    client = new TokenClient({ clientId: creds.id, clientSecret: creds.secret, environment: { tokenUrl: `${s.url()}/oauth/token` }, clock: s.clock });
  });
  afterAll(() => s?.close());

  it('RFC 9068 §4: a token from the server verifies; the claims come back', async () => {
    const token = (await client.requestToken()).access_token;
    const claims = await verifier().verify(token);
    expect(claims).toMatchObject({ iss: s.url(), aud: s.url(), client_id: client.clientId, sub: client.clientId, scope: 'webhooks' });
  });

  it('the JWKS is fetched once and cached: 10 verifications → 1 fetch', async () => {
    const v = verifier();
    const before = jwksFetches();
    const tokens = await Promise.all(Array.from({ length: 10 }, () => client.requestToken()));
    await Promise.all(tokens.map((t) => v.verify(t.access_token)));
    expect(jwksFetches() - before).toBe(1);
  });

  it('rotation: a token signed with a key newer than the cached JWKS makes the verifier fetch the JWKS again, once', async () => {
    const v = verifier({ jwksCacheSeconds: 1_000_000 });
    // Start of a rotation period, far from earlier keys: one key published.
    s.clock.t = Math.ceil(s.clock.now() / ROTATION) * ROTATION + 20 * ROTATION;
    const first = (await client.requestToken()).access_token;
    await v.verify(first);
    const before = jwksFetches();
    // The next period: the verifier's cached JWKS predates the new key.
    s.clock.t += ROTATION;
    const second = (await client.requestToken()).access_token;
    expect(parts(second).header.kid).not.toBe(parts(first).header.kid);
    await expect(v.verify(second)).resolves.toMatchObject({ client_id: client.clientId });
    expect(jwksFetches() - before).toBe(1);
    // The first token was issued a whole period ago (TTL 300): its key may still be published, but it has expired.
    await expect(v.verify(first)).rejects.toMatchObject({ code: 'ERR_JWT_EXPIRED' });
  });

  it('made-up kids do not make every verification a JWKS fetch (cooldown)', async () => {
    const v = verifier();
    const token = (await client.requestToken()).access_token;
    await v.verify(token);
    const before = jwksFetches();
    const { p, s: sig, header } = parts(token);
    const codes = await Promise.all(Array.from({ length: 20 }, (_, i) => codeOf(v.verify(`${b64url({ ...header, kid: `made-up-${i}` })}.${p}.${sig}`))));
    expect(new Set(codes)).toEqual(new Set(['ERR_JWKS_NO_MATCHING_KEY']));
    expect(jwksFetches() - before).toBeLessThanOrEqual(1);
  });

  const forge: Array<[string, string, (jwt: string) => string]> = [
    ['an opaque token', 'ERR_JWT_MALFORMED', () => 'A'.repeat(42)],
    ['a non-JSON header', 'ERR_JWT_MALFORMED', (jwt) => `bm90IGpzb24.${parts(jwt).p}.${parts(jwt).s}`],
    ['typ JWT (an ordinary JWT, not an access token)', 'ERR_JWT_HEADER', (jwt) => `${b64url({ ...parts(jwt).header, typ: 'JWT' })}.${parts(jwt).p}.${parts(jwt).s}`],
    ['alg none', 'ERR_JWT_HEADER', (jwt) => `${b64url({ ...parts(jwt).header, alg: 'none' })}.${parts(jwt).p}.`],
    ['alg HS256', 'ERR_JWT_HEADER', (jwt) => `${b64url({ ...parts(jwt).header, alg: 'HS256' })}.${parts(jwt).p}.${parts(jwt).s}`],
    ['a widened scope', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', (jwt) => `${parts(jwt).h}.${b64url({ ...parts(jwt).payload, scope: 'webhooks devices' })}.${parts(jwt).s}`],
    ['another key’s signature under our kid', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED', (jwt) => {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      return jsonwebtoken.sign(parts(jwt).payload, privateKey, { algorithm: 'ES256', header: parts(jwt).header });
    }],
  ];
  it.each(forge)('%s → %s', async (_name, code, alter) => {
    const token = (await client.requestToken()).access_token;
    expect(await codeOf(verifier().verify(alter(token)))).toBe(code);
  });

  it('RFC 7515 §4.1.11: a token signed by a published key but with a crit header → ERR_JWT_HEADER', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwks = await startPeer((_req, _body, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' }] })),
    );
    try {
      const { payload } = parts((await client.requestToken()).access_token);
      const sign = (extra: object) => jsonwebtoken.sign(payload, privateKey, { algorithm: 'ES256', header: { alg: 'ES256', typ: 'at+jwt', kid: 'k1', ...extra } });
      const v = verifier({ jwksUri: `${jwks.url}/jwks.json` });
      expect(await codeOf(v.verify(sign({})))).toBe('ok');
      expect(await codeOf(v.verify(sign({ crit: ['exp'] })))).toBe('ERR_JWT_HEADER');
    } finally {
      await jwks.close();
    }
  });

  it('wrong issuer, wrong audience → ERR_JWT_CLAIM_VALIDATION_FAILED; expired → ERR_JWT_EXPIRED', async () => {
    const token = (await client.requestToken()).access_token;
    expect(await codeOf(verifier({ issuer: 'https://auth-api.mypos.com', jwksUri: `${s.url()}/.well-known/jwks.json` }).verify(token))).toBe('ERR_JWT_CLAIM_VALIDATION_FAILED');
    expect(await codeOf(verifier({ audience: 'https://other-api.example' }).verify(token))).toBe('ERR_JWT_CLAIM_VALIDATION_FAILED');
    const v = verifier({ clockToleranceSeconds: 30 });
    await v.verify(token);
    s.clock.advance(TTL + 29);
    expect(await codeOf(v.verify(token))).toBe('ok');
    s.clock.advance(1);
    expect(await codeOf(v.verify(token))).toBe('ERR_JWT_EXPIRED');
  });

  it('a JWKS that cannot be fetched → ERR_JWKS_FETCH', async () => {
    const broken = await startPeer((_req, _body, res) => res.writeHead(500).end());
    try {
      const token = (await client.requestToken()).access_token;
      expect(await codeOf(verifier({ jwksUri: `${broken.url}/jwks.json` }).verify(token))).toBe('ERR_JWKS_FETCH');
    } finally {
      await broken.close();
    }
  });
});
