import type { LightMyRequestResponse } from 'fastify';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { grantCode, VERIFIER } from '../helpers/authorize.js';
import { dpopKey, proof, unsecuredProof, type DpopKey, type ProofOptions } from '../helpers/dpop.js';
import { basic, createTestServer, postForm, type TestServer } from '../helpers/test-server.js';

const ISSUER = 'https://sandbox.example';
const TOKEN_URL = `${ISSUER}/oauth/token`;
const WEBHOOKS_URL = `${ISSUER}/v1/webhooks`;
const ALGS = 'algs="ES256 EdDSA Ed25519"';

describe.each(BACKENDS)('DPoP (RFC 9449) on $name', (backend) => {
  let t: TestServer;
  let key: DpopKey;
  let client: { id: string; secret: string };
  beforeAll(async () => {
    t = await createTestServer({ backend, config: { sandboxIssuer: ISSUER } });
    key = await dpopKey();
    client = await t.client();
  });
  afterAll(() => t.close());

  const now = () => t.clock.now();
  const tokenRequest = (headers: Record<string, string | string[]>, body = 'grant_type=client_credentials&scope=webhooks', auth = basic(client.id, client.secret)) =>
    t.app().inject({ method: 'POST', url: '/oauth/token', payload: body, headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth, ...headers } });
  const tokenProof = (o: ProofOptions = {}, k = key) => proof(k, { htu: TOKEN_URL, iat: now(), ...o });
  const introspect = (token: string) => postForm(t.app(), '/oauth/introspect', `token=${token}`, { authorization: basic(client.id, client.secret) });

  async function dpopToken(k = key): Promise<string> {
    const res = await tokenRequest({ dpop: await tokenProof({}, k) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().access_token;
  }
  const webhooks = (headers: Record<string, string | string[]>, method: 'GET' | 'POST' = 'GET') =>
    t.app().inject({ method, url: '/v1/webhooks?limit=5', headers });

  describe('token endpoint', () => {
    it('§5: a valid proof binds the token: token_type DPoP; introspection gives token_type DPoP and cnf.jkt (§6.2)', async () => {
      const res = await tokenRequest({ dpop: await tokenProof() });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ token_type: 'DPoP', scope: 'webhooks' });
      const info = (await introspect(res.json().access_token)).json();
      expect(info).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: key.jkt } });
    });

    it('a client that sends no proof sees no difference: token_type Bearer, no cnf', async () => {
      const res = await tokenRequest({});
      expect(res.json().token_type).toBe('Bearer');
      const info = (await introspect(res.json().access_token)).json();
      expect(info.token_type).toBe('Bearer');
      expect(info).not.toHaveProperty('cnf');
    });

    it('EdDSA and Ed25519 keys are accepted too', async () => {
      for (const alg of ['EdDSA', 'Ed25519'] as const) {
        const ed = await dpopKey(alg);
        const res = await tokenRequest({ dpop: await tokenProof({}, ed) });
        expect(res.statusCode, alg).toBe(200);
        expect((await introspect(res.json().access_token)).json().cnf).toEqual({ jkt: ed.jkt });
      }
    });

    it('§4.3 check 11: the window\'s edges are accepted: iat exactly 60 s old, iat 5 s ahead (clock skew), a 256-character jti', async () => {
      for (const o of [{ iat: now() - 60 }, { iat: now() + 5 }, { jti: 'j'.repeat(256) }]) {
        expect((await tokenRequest({ dpop: await tokenProof(o) })).statusCode, JSON.stringify(o).slice(0, 40)).toBe(200);
      }
    });

    it('§4.3 check 9: htu is compared without query and fragment, after scheme and host normalisation', async () => {
      for (const htu of [`${TOKEN_URL}?x=1#f`, 'HTTPS://SANDBOX.example:443/oauth/token']) {
        expect((await tokenRequest({ dpop: await tokenProof({ htu }) })).statusCode, htu).toBe(200);
      }
    });

    // §4.3: every check a proof must pass at the token endpoint; each failure is 400 invalid_dpop_proof (§5).
    const refused: Array<[string, () => Promise<Record<string, string | string[]>>]> = [
      ['check 1: two DPoP headers', async () => ({ dpop: [await tokenProof(), await tokenProof()] })],
      ['check 2: not a JWT', async () => ({ dpop: 'not-a-jwt' })],
      ['check 3: no jti', async () => ({ dpop: await tokenProof({ jti: undefined }) })],
      ['check 4: typ is not dpop+jwt', async () => ({ dpop: await tokenProof({ typ: 'JWT' }) })],
      ['check 5: alg none', async () => ({ dpop: unsecuredProof(key, TOKEN_URL, 'none', now()) })],
      ['check 5: alg HS256 (a MAC)', async () => ({ dpop: unsecuredProof(key, TOKEN_URL, 'HS256', now()) })],
      ['check 6: signature by another key than the header names', async () => ({ dpop: await tokenProof({ signWith: (await dpopKey()).privateKey }) })],
      ['check 7: a private key in jwk', async () => ({ dpop: await tokenProof({ jwk: { ...key.publicJwk, d: 'AAAA' } }) })],
      ['check 8: wrong htm', async () => ({ dpop: await tokenProof({ htm: 'GET' }) })],
      ['check 8: htm is case-sensitive', async () => ({ dpop: await tokenProof({ htm: 'post' }) })],
      ['check 9: wrong htu path', async () => ({ dpop: await tokenProof({ htu: `${ISSUER}/oauth/revoke` }) })],
      ['check 9: wrong htu host', async () => ({ dpop: await tokenProof({ htu: 'https://evil.example/oauth/token' }) })],
      ['check 9: wrong htu scheme', async () => ({ dpop: await tokenProof({ htu: 'http://sandbox.example/oauth/token' }) })],
      ['check 11: iat too old', async () => ({ dpop: await tokenProof({ iat: now() - 61 }) })],
      ['check 11: iat in the future', async () => ({ dpop: await tokenProof({ iat: now() + 30 }) })],
      ['check 3: an empty jti', async () => ({ dpop: await tokenProof({ jti: '' }) })],
      ['check 3: a jti of 257 characters (at most 256 are kept)', async () => ({ dpop: await tokenProof({ jti: 'j'.repeat(257) }) })],
      ['check 11: no iat', async () => ({ dpop: await tokenProof({ iat: undefined }) })],
      ['check 11: iat 6 s ahead, past the 5 s leeway', async () => ({ dpop: await tokenProof({ iat: now() + 6 }) })],
    ];
    it.each(refused)('§4.3 %s → 400 invalid_dpop_proof, no token', async (_name, headers) => {
      const res = await tokenRequest(await headers());
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_dpop_proof');
      expect(res.json()).not.toHaveProperty('access_token');
    });

    // The description names the failed check (it is safe to show: the proof is the client's own).
    const described: Array<[string, () => Promise<Record<string, string | string[]>>]> = [
      ['Send one DPoP header, not several', async () => ({ dpop: [await tokenProof(), await tokenProof()] })],
      ['The DPoP proof is not a JWT', async () => ({ dpop: 'not-a-jwt' })],
      ['The DPoP proof key must be a public key', async () => ({ dpop: await tokenProof({ jwk: { ...key.publicJwk, d: 'AAAA' } }) })],
      ['The DPoP proof typ must be dpop+jwt', async () => ({ dpop: await tokenProof({ typ: 'JWT' }) })],
      ['The DPoP proof must be signed with one of: ES256, EdDSA, Ed25519', async () => ({ dpop: unsecuredProof(key, TOKEN_URL, 'HS256', now()) })],
      ['The DPoP proof signature does not verify', async () => ({ dpop: await tokenProof({ signWith: (await dpopKey()).privateKey }) })],
      ['The DPoP proof needs a jti', async () => ({ dpop: await tokenProof({ jti: '' }) })],
      ['The DPoP proof needs an iat', async () => ({ dpop: await tokenProof({ iat: undefined }) })],
      ['The DPoP proof htm does not match the request method', async () => ({ dpop: await tokenProof({ htm: 'GET' }) })],
      ['The DPoP proof htu does not match the request URI', async () => ({ dpop: await tokenProof({ htu: `${ISSUER}/oauth/revoke` }) })],
      ['The DPoP proof iat is outside the accepted window', async () => ({ dpop: await tokenProof({ iat: now() - 61 }) })],
    ];
    it.each(described)('the refusal says which check failed: "%s"', async (description, headers) => {
      const res = await tokenRequest(await headers());
      expect(res.json()).toMatchObject({ error: 'invalid_dpop_proof', error_description: description });
    });

    it('§11.1: a proof is single use: the same proof again → 400 invalid_dpop_proof', async () => {
      const p = await tokenProof();
      expect((await tokenRequest({ dpop: p })).statusCode).toBe(200);
      const again = await tokenRequest({ dpop: p });
      expect(again.statusCode).toBe(400);
      expect(again.json()).toEqual({ error: 'invalid_dpop_proof', error_description: 'The DPoP proof was already used' });
    });

    it('§5.2 dpop_bound_access_tokens: such a client without a proof → 400 invalid_dpop_proof; with one → a DPoP token', async () => {
      const strict = await t.client({ dpopBoundAccessTokens: true });
      const bare = await tokenRequest({}, undefined, basic(strict.id, strict.secret));
      expect(bare.statusCode).toBe(400);
      expect(bare.json().error).toBe('invalid_dpop_proof');
      const bound = await tokenRequest({ dpop: await tokenProof() }, undefined, basic(strict.id, strict.secret));
      expect(bound.json().token_type).toBe('DPoP');
    });

    it('RFC 9068 form: a DPoP-bound JWT access token carries cnf.jkt (§6.1)', async () => {
      const jt = await createTestServer({ backend, config: { sandboxIssuer: ISSUER, accessTokenFormat: { sandbox: 'jwt', production: 'opaque' } } });
      try {
        const c = await jt.client();
        const res = await jt.app().inject({
          method: 'POST', url: '/oauth/token', payload: 'grant_type=client_credentials',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(c.id, c.secret), dpop: await proof(key, { htu: TOKEN_URL, iat: jt.clock.now() }) },
        });
        expect(decodeJwt(res.json().access_token).cnf).toEqual({ jkt: key.jkt });
        const plain = await postForm(jt.app(), '/oauth/token', 'grant_type=client_credentials', { authorization: basic(c.id, c.secret) });
        expect(decodeJwt(plain.json().access_token)).not.toHaveProperty('cnf');
      } finally {
        await jt.close();
      }
    });
  });

  describe('refresh tokens (§5)', () => {
    const redirect = 'https://app.example/cb';
    const codeBody = (id: string, code: string) =>
      `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(redirect)}&code_verifier=${VERIFIER}&client_id=${id}`;
    const refreshBody = (id: string, rt: string) => `grant_type=refresh_token&refresh_token=${rt}&client_id=${id}`;
    const publicPost = (body: string, headers: Record<string, string> = {}) => postForm(t.app(), '/oauth/token', body, headers);

    it("a public client's refresh token is bound: refused without a proof or with another key; its own key refreshes", async () => {
      const pub = await t.client({ isPublic: true, grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [redirect] });
      const code = await grantCode(t, pub.id);
      const first = await publicPost(codeBody(pub.id, code), { dpop: await tokenProof() });
      expect(first.json()).toMatchObject({ token_type: 'DPoP' });
      const rt = first.json().refresh_token;

      const none = await publicPost(refreshBody(pub.id, rt));
      expect(none.statusCode).toBe(400);
      expect(none.json().error).toBe('invalid_dpop_proof');
      const other = await publicPost(refreshBody(pub.id, rt), { dpop: await tokenProof({}, await dpopKey()) });
      expect(other.statusCode).toBe(400);
      expect(other.json().error).toBe('invalid_grant');

      const same = await publicPost(refreshBody(pub.id, rt), { dpop: await tokenProof() });
      expect(same.statusCode).toBe(200);
      expect(same.json().token_type).toBe('DPoP');
      // The successor is bound to the same key.
      const next = await publicPost(refreshBody(pub.id, same.json().refresh_token), { dpop: await tokenProof({}, await dpopKey()) });
      expect(next.json().error).toBe('invalid_grant');
    });

    it("a confidential client's refresh token is not key-bound: a new key gets a token bound to the new key", async () => {
      const conf = await t.client({ grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [redirect] });
      const code = await grantCode(t, conf.id);
      const auth = { authorization: basic(conf.id, conf.secret) };
      const body = `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(redirect)}&code_verifier=${VERIFIER}`;
      const first = await postForm(t.app(), '/oauth/token', body, { ...auth, dpop: await tokenProof() });
      const fresh = await dpopKey();
      const res = await postForm(t.app(), '/oauth/token', `grant_type=refresh_token&refresh_token=${first.json().refresh_token}`, { ...auth, dpop: await tokenProof({}, fresh) });
      expect(res.json().token_type).toBe('DPoP');
      expect((await postForm(t.app(), '/oauth/introspect', `token=${res.json().access_token}`, auth)).json().cnf).toEqual({ jkt: fresh.jkt });
    });
  });

  describe('Webhook API (§7)', () => {
    const rsProof = (token: string, o: ProofOptions = {}, k = key) => proof(k, { htm: 'GET', htu: WEBHOOKS_URL, iat: now(), accessToken: token, ...o });

    it('§7.1: Authorization: DPoP with a proof of the bound key (htm, htu, ath) → 200', async () => {
      const token = await dpopToken();
      const res = await webhooks({ authorization: `DPoP ${token}`, dpop: await rsProof(token) });
      expect(res.statusCode, res.body).toBe(200);
    });

    const challenge = (res: LightMyRequestResponse) => String(res.headers['www-authenticate']);
    // §4.3 and §7.1: every refusal is 401 invalid_dpop_proof with a DPoP challenge that lists the algorithms.
    const refused: Array<[string, (token: string) => Promise<Record<string, string | string[]>>]> = [
      ['no DPoP header with the DPoP scheme', async (tk) => ({ authorization: `DPoP ${tk}` })],
      ['two DPoP headers', async (tk) => ({ authorization: `DPoP ${tk}`, dpop: [await rsProof(tk), await rsProof(tk)] })],
      ['check 12: no ath', async (tk) => ({ authorization: `DPoP ${tk}`, dpop: await rsProof(tk, { accessToken: undefined }) })],
      ['check 12: ath of another token', async (tk) => ({ authorization: `DPoP ${tk}`, dpop: await rsProof(tk, { ath: 'x'.repeat(43) }) })],
      ['check 12: a proof by another key than the token is bound to', async (tk) => ({ authorization: `DPoP ${tk}`, dpop: await rsProof(tk, {}, await dpopKey()) })],
      ['check 8: wrong htm', async (tk) => ({ authorization: `DPoP ${tk}`, dpop: await rsProof(tk, { htm: 'POST' }) })],
      ['check 9: wrong htu', async (tk) => ({ authorization: `DPoP ${tk}`, dpop: await rsProof(tk, { htu: `${ISSUER}/v1/events` }) })],
      ['check 11: stale iat', async (tk) => ({ authorization: `DPoP ${tk}`, dpop: await rsProof(tk, { iat: now() - 120 }) })],
      ['check 4: bad typ', async (tk) => ({ authorization: `DPoP ${tk}`, dpop: await rsProof(tk, { typ: 'jwt' }) })],
      ['check 6: bad signature', async (tk) => ({ authorization: `DPoP ${tk}`, dpop: await rsProof(tk, { signWith: (await dpopKey()).privateKey }) })],
    ];
    it.each(refused)('%s → 401 invalid_dpop_proof, WWW-Authenticate: DPoP …', async (_name, headers) => {
      const token = await dpopToken();
      const res = await webhooks(await headers(token));
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toBe('invalid_dpop_proof');
            expect(challenge(res)).toMatch(new RegExp(`^DPoP error="invalid_dpop_proof", error_description="[^"]+", ${ALGS}$`));
    });

    it('§11.1: a resource proof is single use', async () => {
      const token = await dpopToken();
      const p = await rsProof(token);
      expect((await webhooks({ authorization: `DPoP ${token}`, dpop: p })).statusCode).toBe(200);
      const again = await webhooks({ authorization: `DPoP ${token}`, dpop: p });
      expect(again.statusCode).toBe(401);
      expect(again.json().error_description).toBe('The DPoP proof was already used');
    });

    it('§7.2: a DPoP-bound token presented as Bearer → 401 invalid_token with the DPoP challenge', async () => {
      const token = await dpopToken();
      const res = await webhooks({ authorization: `Bearer ${token}`, dpop: await rsProof(token) });
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toBe('invalid_token');
      expect(challenge(res)).toMatch(new RegExp(`^DPoP error="invalid_token", error_description="[^"]+", ${ALGS}$`));
    });

    it('a bearer token under the DPoP scheme, even with a valid proof → 401 invalid_token', async () => {
      const bearer = (await tokenRequest({})).json().access_token;
      const res = await webhooks({ authorization: `DPoP ${bearer}`, dpop: await rsProof(bearer) });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ error: 'invalid_token', error_description: 'The access token is not DPoP-bound' });
    });

    it('a revoked DPoP token with a good proof → 401 invalid_token', async () => {
      const token = await dpopToken();
      await postForm(t.app(), '/oauth/revoke', `token=${token}`, { authorization: basic(client.id, client.secret) });
      const res = await webhooks({ authorization: `DPoP ${token}`, dpop: await rsProof(token) });
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toBe('invalid_token');
    });

    it('a plain bearer token still works exactly as before (RFC 6750)', async () => {
      const bearer = (await tokenRequest({})).json().access_token;
      expect((await webhooks({ authorization: `Bearer ${bearer}` })).statusCode).toBe(200);
      const none = await webhooks({});
      expect(none.statusCode).toBe(401);
      expect(challenge(none)).toBe('Bearer realm="api"');
    });
  });
});

describe.each(BACKENDS)('DPoP nonces (RFC 9449 §8, §9; dpopNonce on) on $name', (backend) => {
  let t: TestServer;
  let key: DpopKey;
  let client: { id: string; secret: string };
  beforeAll(async () => {
    t = await createTestServer({ backend, config: { sandboxIssuer: ISSUER, dpopNonce: true } });
    key = await dpopKey();
    client = await t.client();
  });
  afterAll(() => t.close());

  const tokenRequest = (dpop: string) =>
    postForm(t.app(), '/oauth/token', 'grant_type=client_credentials', { authorization: basic(client.id, client.secret), dpop });

  it('§8: no nonce → 400 use_dpop_nonce with DPoP-Nonce; a wrong one the same; the given one → a DPoP token and the next nonce', async () => {
    const missing = await tokenRequest(await proof(key, { htu: TOKEN_URL, iat: t.clock.now() }));
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error).toBe('use_dpop_nonce');
    const nonce = String(missing.headers['dpop-nonce']);
    expect(nonce).toMatch(/^[0-9a-z]+\.[A-Za-z0-9_-]+$/);

    const wrong = await tokenRequest(await proof(key, { htu: TOKEN_URL, iat: t.clock.now(), nonce: `${nonce}x` }));
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error).toBe('use_dpop_nonce');

    const ok = await tokenRequest(await proof(key, { htu: TOKEN_URL, iat: t.clock.now(), nonce }));
    expect(ok.statusCode).toBe(200);
    expect(ok.json().token_type).toBe('DPoP');
    expect(ok.headers['dpop-nonce']).toBe(nonce);
  });

  it('a nonce of two periods ago is stale → use_dpop_nonce with a fresh one', async () => {
    const old = String((await tokenRequest(await proof(key, { htu: TOKEN_URL, iat: t.clock.now() }))).headers['dpop-nonce']);
    t.clock.advance(601);
    const res = await tokenRequest(await proof(key, { htu: TOKEN_URL, iat: t.clock.now(), nonce: old }));
    expect(res.json().error).toBe('use_dpop_nonce');
    expect(res.headers['dpop-nonce']).not.toBe(old);
  });

  it('§9: the Webhook API asks too: 401 use_dpop_nonce, WWW-Authenticate: DPoP error="use_dpop_nonce", DPoP-Nonce', async () => {
    const first = await tokenRequest(await proof(key, { htu: TOKEN_URL, iat: t.clock.now() }));
    const nonce = String(first.headers['dpop-nonce']);
    const token = (await tokenRequest(await proof(key, { htu: TOKEN_URL, iat: t.clock.now(), nonce }))).json().access_token;
    const rs = (n?: string) => proof(key, { htm: 'GET', htu: WEBHOOKS_URL, iat: t.clock.now(), accessToken: token, ...(n ? { nonce: n } : {}) });
    const res = await t.app().inject({ method: 'GET', url: '/v1/webhooks', headers: { authorization: `DPoP ${token}`, dpop: await rs() } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('use_dpop_nonce');
    expect(String(res.headers['www-authenticate'])).toMatch(/^DPoP error="use_dpop_nonce", error_description="[^"]+", algs="ES256 EdDSA Ed25519"$/);
    const ok = await t.app().inject({ method: 'GET', url: '/v1/webhooks', headers: { authorization: `DPoP ${token}`, dpop: await rs(String(res.headers['dpop-nonce'])) } });
    expect(ok.statusCode).toBe(200);
  });
});
