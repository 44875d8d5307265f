import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addClientKeys, createClient, removeClientKey } from '../../src/core/client-management.js';
import { parsePublicKeys } from '../../src/core/client-keys.js';
import type { Environment } from '../../src/storage/types.js';
import { Writable } from 'node:stream';
import { resolveConfig } from '../../src/config.js';
import { BACKENDS, sqliteBackend } from '../helpers/backends.js';
import { startServer } from '../helpers/start-server.js';
import { captureLogger } from '../log-safety/log-capture.js';
import { basic, createTestServer, FORM, type TestServer } from '../helpers/test-server.js';

const ISSUER = 'https://sandbox-auth.example';
const PROD_ISSUER = 'https://auth.example';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface Signer {
  alg: string;
  kid?: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

async function signer(alg: 'ES256' | 'EdDSA' | 'RS256' | 'PS256', kid?: string): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const publicJwk = { ...(await exportJWK(publicKey)), ...(kid ? { kid } : {}) };
  return { alg, kid, privateKey, publicJwk };
}

interface Claims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  iat?: number;
  nbf?: number;
  jti?: string;
}

/** A client assertion (RFC 7523 §3); `undefined` in `claims` leaves a claim out. */
function assertion(s: Signer, clientId: string, now: number, claims: Claims = {}, header: { kid?: string | null; alg?: string } = {}): Promise<string> {
  const payload: Record<string, unknown> = { iss: clientId, sub: clientId, aud: ISSUER, iat: now, exp: now + 60, jti: randomUUID(), ...claims };
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
  const kid = header.kid === null ? undefined : (header.kid ?? s.kid);
  return new SignJWT(payload).setProtectedHeader({ alg: header.alg ?? s.alg, ...(kid ? { kid } : {}) }).sign(s.privateKey);
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const withAssertion = (jwt: string, extra: Record<string, string> = {}) =>
  form({ grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: jwt, ...extra });

for (const backend of BACKENDS) {
  describe(`private_key_jwt (RFC 7523) › ${backend.name}`, () => {
    let t: TestServer;
    let es: Signer;
    let ed: Signer;
    let rsa: Signer;
    let stranger: Signer;
    /** A client with an ES256 key (kid "es-1"), an Ed25519 key without kid and an RSA key (kid "rsa-1"). */
    let clientId: string;
    /** Another private_key_jwt client, with the `stranger` key. */
    let otherId: string;
    let secretClient: { id: string; secret: string };
    let prodId: string;

    const post = (body: string, headers: Record<string, string> = {}, url = '/oauth/token', env: Environment = 'sandbox'): Promise<LightMyRequestResponse> =>
      t.app(env).inject({ method: 'POST', url, payload: body, headers: { ...FORM, ...headers } });

    const keyClient = async (signers: Signer[], environment: Environment = 'sandbox') => {
      const { client, secret } = await createClient(
        { clients: t.store.clients, hasher: t.server.hasher, clock: t.clock },
        { environment, name: 'key client', scopes: ['webhooks'], publicKeys: await parsePublicKeys(JSON.stringify({ keys: signers.map((s) => s.publicJwk) })) },
      );
      expect(secret).toBeUndefined();
      return client.id;
    };

    beforeAll(async () => {
      t = await createTestServer({ backend, config: { sandboxIssuer: ISSUER, productionIssuer: PROD_ISSUER } });
      [es, ed, rsa, stranger] = await Promise.all([signer('ES256', 'es-1'), signer('EdDSA'), signer('RS256', 'rsa-1'), signer('ES256', 'es-1')]);
      clientId = await keyClient([es, ed, rsa]);
      otherId = await keyClient([stranger]);
      prodId = await keyClient([es], 'production');
      secretClient = await t.client();
    });
    afterAll(() => t?.close());

    describe('accepted assertions', () => {
      it('RFC 7523 §2.2: an ES256 assertion with kid, aud = the issuer → 200 and a token', async () => {
        const res = await post(withAssertion(await assertion(es, clientId, t.clock.now())));
        expect(res.statusCode).toBe(200);
        expect(res.json()).toMatchObject({ token_type: 'Bearer', scope: 'webhooks' });
      });

      it('EdDSA (Ed25519) without a kid: the keys of a fitting type are tried', async () => {
        expect((await post(withAssertion(await assertion(ed, clientId, t.clock.now())))).statusCode).toBe(200);
      });

      it('the fully-specified alg name Ed25519 (RFC 9864) verifies with the same key', async () => {
        expect((await post(withAssertion(await assertion(ed, clientId, t.clock.now(), {}, { alg: 'Ed25519' })))).statusCode).toBe(200);
      });

      it('RS256 and PS256 with one RSA key (its JWK names no alg)', async () => {
        expect((await post(withAssertion(await assertion(rsa, clientId, t.clock.now())))).statusCode).toBe(200);
        const pss = { ...rsa, alg: 'PS256', privateKey: (await importJWK(await exportJWK(rsa.privateKey), 'PS256')) as CryptoKey };
        expect((await post(withAssertion(await assertion(pss, clientId, t.clock.now())))).statusCode).toBe(200);
      });

      it('RFC 7523 §3: aud may be the token endpoint URL instead of the issuer', async () => {
        expect((await post(withAssertion(await assertion(es, clientId, t.clock.now(), { aud: `${ISSUER}/oauth/token` })))).statusCode).toBe(200);
      });

      it('a client_id beside the assertion that names the same client is fine (RFC 7521 §4.2)', async () => {
        expect((await post(withAssertion(await assertion(es, clientId, t.clock.now()), { client_id: clientId }))).statusCode).toBe(200);
      });

      it('revocation and introspection take the assertion too, with aud = their own URL or the issuer', async () => {
        const now = t.clock.now();
        const token = (await post(withAssertion(await assertion(es, clientId, now)))).json().access_token as string;
        const introspected = await post(form({ token, client_assertion_type: JWT_BEARER, client_assertion: await assertion(es, clientId, now, { aud: `${ISSUER}/oauth/introspect` }) }), {}, '/oauth/introspect');
        expect(introspected.statusCode).toBe(200);
        expect(introspected.json()).toMatchObject({ active: true, client_id: clientId });
        const revoked = await post(form({ token, client_assertion_type: JWT_BEARER, client_assertion: await assertion(ed, clientId, now, { aud: `${ISSUER}/oauth/revoke` }) }), {}, '/oauth/revoke');
        expect(revoked.statusCode).toBe(200);
        const after = await post(form({ token, client_assertion_type: JWT_BEARER, client_assertion: await assertion(es, clientId, now) }), {}, '/oauth/introspect');
        expect(after.json()).toEqual({ active: false });
      });

      it('the edges are accepted: exp 5 min 30 s ahead, iat 30 s ahead, a 256-character jti', async () => {
        const now = t.clock.now();
        for (const claims of [{ iat: undefined, exp: now + 330 }, { iat: now + 30, exp: now + 200 }, { jti: 'j'.repeat(256) }]) {
          expect((await post(withAssertion(await assertion(es, clientId, now, claims)))).statusCode, JSON.stringify(claims).slice(0, 40)).toBe(200);
        }
      });

      it('nbf and iat within the 30 s skew are accepted', async () => {
        const now = t.clock.now();
        expect((await post(withAssertion(await assertion(es, clientId, now, { iat: now + 20, nbf: now + 20, exp: now + 200 })))).statusCode).toBe(200);
      });
    });

    type Case = { rule: string; body: () => Promise<string>; headers?: () => Record<string, string>; url?: string; env?: Environment };
    const now = () => t.clock.now();
    // Every one of these is 401 invalid_client with the same body: the client is not told which check failed.
    const REFUSED: Case[] = [
      { rule: 'RFC 7523 §3 item 3: aud names another server', body: async () => withAssertion(await assertion(es, clientId, now(), { aud: 'https://other.example' })) },
      { rule: 'aud with this server and another party (one audience only)', body: async () => withAssertion(await assertion(es, clientId, now(), { aud: [ISSUER, 'https://other.example'] })) },
      { rule: 'aud = the introspection URL at the token endpoint', body: async () => withAssertion(await assertion(es, clientId, now(), { aud: `${ISSUER}/oauth/introspect` })) },
      { rule: 'aud = the other environment\'s issuer', body: async () => withAssertion(await assertion(es, clientId, now(), { aud: PROD_ISSUER })) },
      { rule: 'RFC 7523 §3 item 4: expired (exp 60 s ago, beyond the skew)', body: async () => withAssertion(await assertion(es, clientId, now(), { iat: now() - 120, exp: now() - 60 })) },
      { rule: 'RFC 7523 §3 item 4: no exp', body: async () => withAssertion(await assertion(es, clientId, now(), { exp: undefined })) },
      { rule: 'exp more than 5 minutes ahead', body: async () => withAssertion(await assertion(es, clientId, now(), { iat: undefined, exp: now() + 3600 })) },
      { rule: 'lifetime exp − iat over 5 minutes', body: async () => withAssertion(await assertion(es, clientId, now(), { iat: now() - 100, exp: now() + 250 })) },
      { rule: 'RFC 7523 §3 item 5: nbf in the future beyond the skew', body: async () => withAssertion(await assertion(es, clientId, now(), { nbf: now() + 120, exp: now() + 200 })) },
      { rule: 'RFC 7523 §3 item 6: iat in the future beyond the skew', body: async () => withAssertion(await assertion(es, clientId, now(), { iat: now() + 120, exp: now() + 200 })) },
      { rule: 'RFC 7523 §3 item 1: iss ≠ sub', body: async () => withAssertion(await assertion(es, clientId, now(), { iss: otherId })) },
      { rule: 'RFC 7523 §3 item 2: sub is another client (signed with this client\'s key)', body: async () => withAssertion(await assertion(es, clientId, now(), { iss: otherId, sub: otherId })) },
      { rule: 'RFC 7523 §3 item 7: no jti', body: async () => withAssertion(await assertion(es, clientId, now(), { jti: undefined })) },
      { rule: 'an empty jti', body: async () => withAssertion(await assertion(es, clientId, now(), { jti: '' })) },
      { rule: 'a jti of 257 characters (at most 256 are kept)', body: async () => withAssertion(await assertion(es, clientId, now(), { jti: 'j'.repeat(257) })) },
      { rule: 'exp 5 min 31 s ahead: one second past the lifetime and skew', body: async () => withAssertion(await assertion(es, clientId, now(), { iat: undefined, exp: now() + 331 })) },
      { rule: 'iat 31 s ahead: one second past the skew', body: async () => withAssertion(await assertion(es, clientId, now(), { iat: now() + 31, exp: now() + 200 })) },
      { rule: 'unknown kid', body: async () => withAssertion(await assertion(es, clientId, now(), {}, { kid: 'es-2' })) },
      { rule: 'signed by a key not registered for this client (same kid)', body: async () => withAssertion(await assertion(stranger, clientId, now())) },
      { rule: 'kid of an RSA key on an ES256 assertion', body: async () => withAssertion(await assertion(es, clientId, now(), {}, { kid: 'rsa-1' })) },
      {
        rule: 'RFC 8725 §3.1: alg none',
        body: async () => withAssertion(`${b64url({ alg: 'none' })}.${b64url({ iss: clientId, sub: clientId, aud: ISSUER, exp: now() + 60, jti: randomUUID() })}.`),
      },
      {
        rule: 'RFC 8725 §3.1: HS256 keyed with the registered public key',
        body: async () => {
          const payload = { iss: clientId, sub: clientId, aud: ISSUER, iat: now(), exp: now() + 60, jti: randomUUID() };
          const jwt = await new SignJWT(payload).setProtectedHeader({ alg: 'HS256', kid: 'es-1' }).sign(new TextEncoder().encode(JSON.stringify(es.publicJwk)));
          return withAssertion(jwt);
        },
      },
      { rule: 'a client_id that differs from the assertion\'s sub', body: async () => withAssertion(await assertion(es, clientId, now()), { client_id: otherId }) },
      { rule: 'not a JWT', body: async () => withAssertion('not.a.jwt') },
      { rule: 'an unsupported client_assertion_type', body: async () => form({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer', client_assertion: await assertion(es, clientId, now()) }) },
      { rule: 'an assertion from a client registered with a secret', body: async () => withAssertion(await assertion(es, secretClient.id, now())) },
      { rule: 'a sandbox client\'s assertion at production', body: async () => withAssertion(await assertion(es, clientId, now(), { aud: PROD_ISSUER })), env: 'production' },
      { rule: 'a private_key_jwt client presenting a secret (Basic)', body: async () => form({ grant_type: 'client_credentials' }), headers: () => ({ authorization: basic(clientId, 'x'.repeat(48)) }) },
      { rule: 'a private_key_jwt client presenting a secret (client_secret_post)', body: async () => form({ grant_type: 'client_credentials', client_id: clientId, client_secret: 'x'.repeat(48) }) },
      { rule: 'a private_key_jwt client with no credentials is not a public client', body: async () => form({ grant_type: 'refresh_token', client_id: clientId, refresh_token: 'r'.repeat(42) }) },
      { rule: 'a private_key_jwt client cannot revoke as a public client', body: async () => form({ token: 't'.repeat(42), client_id: clientId }), url: '/oauth/revoke' },
    ];

    describe('refused assertions: 401 invalid_client, no hint which check failed', () => {
      for (const c of REFUSED) {
        it(c.rule, async () => {
          const res = await post(await c.body(), c.headers?.() ?? {}, c.url ?? '/oauth/token', c.env ?? 'sandbox');
          expect(res.statusCode).toBe(401);
          expect(res.json()).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
          expect(res.headers['cache-control']).toBe('no-store');
        });
      }
    });

    it('RFC 7523 §3 item 7: a replayed assertion (same jti) is refused, the first use answered 200', async () => {
      const body = withAssertion(await assertion(es, clientId, t.clock.now()));
      expect((await post(body)).statusCode).toBe(200);
      const again = await post(body);
      expect(again.statusCode).toBe(401);
      expect(again.json().error).toBe('invalid_client');
      // Also at another endpoint: the jti is spent wherever it was used.
      expect((await post(body.replace('grant_type=client_credentials&', 'token=abc&'), {}, '/oauth/introspect')).statusCode).toBe(401);
    });

    it('a jti of one client does not block the same jti of another client', async () => {
      const jti = randomUUID();
      expect((await post(withAssertion(await assertion(es, clientId, t.clock.now(), { jti })))).statusCode).toBe(200);
      expect((await post(withAssertion(await assertion(stranger, otherId, t.clock.now(), { jti })))).statusCode).toBe(200);
    });

    it('an assertion refused for a bad claim does not use up its jti', async () => {
      const jti = randomUUID();
      expect((await post(withAssertion(await assertion(es, clientId, t.clock.now(), { jti, aud: 'https://other.example' })))).statusCode).toBe(401);
      expect((await post(withAssertion(await assertion(es, clientId, t.clock.now(), { jti })))).statusCode).toBe(200);
    });

    describe('RFC 6749 §2.3: one authentication method per request → 400 invalid_request', () => {
      const CASES: Array<{ rule: string; body: () => Promise<string>; headers?: () => Record<string, string> }> = [
        { rule: 'assertion and Basic', body: async () => withAssertion(await assertion(es, clientId, now())), headers: () => ({ authorization: basic(secretClient.id, secretClient.secret) }) },
        { rule: 'assertion and client_secret', body: async () => withAssertion(await assertion(es, clientId, now()), { client_secret: 'x'.repeat(48) }) },
        { rule: 'client_assertion without client_assertion_type', body: async () => form({ grant_type: 'client_credentials', client_assertion: await assertion(es, clientId, now()) }) },
        { rule: 'client_assertion_type without client_assertion', body: async () => form({ grant_type: 'client_credentials', client_id: clientId, client_assertion_type: JWT_BEARER }) },
      ];
      for (const c of CASES) {
        it(c.rule, async () => {
          const res = await post(await c.body(), c.headers?.() ?? {});
          expect(res.statusCode).toBe(400);
          expect(res.json().error).toBe('invalid_request');
        });
      }
    });

    it('a production client authenticates at production with aud = the production issuer', async () => {
      expect((await post(withAssertion(await assertion(es, prodId, t.clock.now(), { aud: PROD_ISSUER })), {}, '/oauth/token', 'production')).statusCode).toBe(200);
    });

    it('key rotation: add the new key (both work), remove the old (only the new works)', async () => {
      const [oldKey, newKey] = await Promise.all([signer('ES256', 'old'), signer('ES256', 'new')]);
      const id = await keyClient([oldKey]);
      const deps = { clients: t.store.clients };
      const token = async (s: Signer, kid?: string | null) => (await post(withAssertion(await assertion(s, id, t.clock.now(), {}, { kid })))).statusCode;
      expect(await token(newKey)).toBe(401);

      await addClientKeys(deps, (await t.store.clients.find(id))!, await parsePublicKeys(JSON.stringify(newKey.publicJwk)));
      expect(await token(oldKey)).toBe(200);
      expect(await token(newKey)).toBe(200);
      // Without a kid both keys fit ES256: each is tried, so the second one's signature is found.
      expect(await token(newKey, null)).toBe(200);
      expect(await token(oldKey, null)).toBe(200);

      await removeClientKey(deps, (await t.store.clients.find(id))!, 'old');
      expect(await token(oldKey)).toBe(401);
      expect(await token(oldKey, null)).toBe(401);
      expect(await token(newKey)).toBe(200);
    });

    it('failed assertions count towards the brute-force limit like wrong secrets', async () => {
      const s = await signer('ES256', 'k');
      const id = await keyClient([s]);
      const bad = await signer('ES256', 'k');
      let last = 0;
      for (let i = 0; i < 40 && last !== 429; i++) last = (await post(withAssertion(await assertion(bad, id, t.clock.now())))).statusCode;
      expect(last).toBe(429);
      // Blocked: even a good assertion waits, so a guess cannot be confirmed while blocked.
      expect((await post(withAssertion(await assertion(s, id, t.clock.now())))).statusCode).toBe(429);
    });
  });
}

describe('private_key_jwt › the server log says which check failed; the client is not told', () => {
  it('a refused assertion logs client_id and reason at info, never the assertion', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const b = await sqliteBackend.create();
    const server = await startServer(resolveConfig({ db: b.url, serverKey: 'e'.repeat(64), sandboxIssuer: ISSUER, logLevel: 'info' }), { store: b.store, logger: captureLogger(sink), listen: false });
    try {
      const s = await signer('ES256', 'log-1');
      const { client } = await createClient(
        { clients: b.store.clients, hasher: server.hasher, clock: { now: () => Math.floor(Date.now() / 1000) } },
        { environment: 'sandbox', name: 'logged', scopes: ['webhooks'], publicKeys: await parsePublicKeys(JSON.stringify(s.publicJwk)) },
      );
      const jwt = await assertion(s, client.id, Math.floor(Date.now() / 1000), { aud: 'https://other.example' });
      const res = await server.apps.sandbox.inject({ method: 'POST', url: '/oauth/token', payload: withAssertion(jwt), headers: FORM });
      expect(res.json()).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
      const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'client authentication failed');
      expect(logged).toMatchObject({ level: 30, client_id: client.id, reason: 'aud is not this server' });
      expect(lines.join('')).not.toContain(jwt.split('.')[2]);
    } finally {
      await server.close();
      await b.cleanup();
    }
  });
});
