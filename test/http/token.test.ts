import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { basic, createTestServer, FORM, type TestServer } from '../helpers/test-server.js';
import { tokenKey } from '../../src/core/token-key.js';

interface Creds {
  id: string;
  secret: string;
  /** A client allowed only `webhooks`. */
  narrow: { id: string; secret: string };
  /** A production client. */
  prod: { id: string; secret: string };
}

interface Case {
  row: string;
  rule: string;
  request: (c: Creds) => InjectOptions;
  status: number;
  error?: string;
  /** Expect `WWW-Authenticate: Basic realm="oauth"`. */
  basicChallenge?: boolean;
  headers?: Record<string, string | RegExp>;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const post = (body: string | Buffer, headers: Record<string, string> = {}, url = '/oauth/token'): InjectOptions => ({
  method: 'POST',
  url,
  payload: body,
  headers: { ...FORM, ...headers },
});
const cc = 'grant_type=client_credentials';

const CASES: Case[] = [
  // ---- A. client authentication ----
  { row: 'A1', rule: 'non-base64 characters in Basic → invalid_request', request: () => post(cc, { authorization: 'Basic Zm9v!' }), status: 400, error: 'invalid_request' },
  { row: 'A2', rule: 'Basic value without a separator → invalid_request', request: () => post(cc, { authorization: `Basic ${b64('foo')}` }), status: 400, error: 'invalid_request' },
  { row: 'A3', rule: 'Basic with nothing after it → invalid_request', request: () => post(cc, { authorization: 'Basic' }), status: 400, error: 'invalid_request' },
  { row: 'A5', rule: 'legacy myPOS semicolon separator → 200', request: (c) => post(cc, { authorization: basic(c.id, c.secret, ';') }), status: 200 },
  { row: 'A8', rule: 'unknown client_id → 401 invalid_client with Basic challenge', request: (c) => post(cc, { authorization: basic('A'.repeat(24), c.secret) }), status: 401, error: 'invalid_client', basicChallenge: true },
  { row: 'A9', rule: 'wrong secret → 401 invalid_client with Basic challenge', request: (c) => post(cc, { authorization: basic(c.id, 'x'.repeat(48)) }), status: 401, error: 'invalid_client', basicChallenge: true },
  { row: 'A11', rule: 'base64(":") → 401 invalid_client', request: () => post(cc, { authorization: `Basic ${b64(':')}` }), status: 401, error: 'invalid_client', basicChallenge: true },
  { row: 'A11', rule: 'empty client id → 401 invalid_client', request: (c) => post(cc, { authorization: basic('', c.secret) }), status: 401, error: 'invalid_client', basicChallenge: true },
  { row: 'A11', rule: 'empty secret → 401 invalid_client', request: (c) => post(cc, { authorization: basic(c.id, '') }), status: 401, error: 'invalid_client', basicChallenge: true },
  { row: 'A12', rule: 'no client authentication at all → 401 invalid_client advertising Basic', request: () => post(cc), status: 401, error: 'invalid_client', basicChallenge: true },
  { row: 'A13', rule: 'client_secret_post → 200', request: (c) => post(`${cc}&client_id=${c.id}&client_secret=${c.secret}`), status: 200 },
  { row: 'A13', rule: 'client_secret_post with a wrong secret → 401 invalid_client', request: (c) => post(`${cc}&client_id=${c.id}&client_secret=wrong`), status: 401, error: 'invalid_client' },
  { row: 'A14', rule: 'Basic header and client_secret in the body → invalid_request (one method only)', request: (c) => post(`${cc}&client_secret=${c.secret}`, { authorization: basic(c.id, c.secret) }), status: 400, error: 'invalid_request' },
  { row: 'A15', rule: 'Basic header plus a different client_id in the body → invalid_request', request: (c) => post(`${cc}&client_id=${'B'.repeat(24)}`, { authorization: basic(c.id, c.secret) }), status: 400, error: 'invalid_request' },
  { row: 'A15', rule: 'Basic header plus the same client_id in the body → 200', request: (c) => post(`${cc}&client_id=${c.id}`, { authorization: basic(c.id, c.secret) }), status: 200 },
  { row: 'A19', rule: 'lowercase "basic" scheme → 200', request: (c) => post(cc, { authorization: basic(c.id, c.secret).replace('Basic', 'basic') }), status: 200 },
  { row: 'A19', rule: 'uppercase "BASIC" scheme → 200', request: (c) => post(cc, { authorization: basic(c.id, c.secret).replace('Basic', 'BASIC') }), status: 200 },
  { row: 'A20', rule: 'client_secret in the URL → invalid_request', request: (c) => ({ ...post(cc, { authorization: basic(c.id, c.secret) }), url: `/oauth/token?client_secret=${c.secret}` }), status: 400, error: 'invalid_request' },
  { row: 'A22', rule: 'sandbox credentials at the production listener → 401 invalid_client', request: (c) => ({ ...post(cc, { authorization: basic(c.id, c.secret) }), env: 'production' }) as never, status: 401, error: 'invalid_client', basicChallenge: true },
  { row: 'A22', rule: 'production credentials at the sandbox listener → 401 invalid_client', request: (c) => post(cc, { authorization: basic(c.prod.id, c.prod.secret) }), status: 401, error: 'invalid_client', basicChallenge: true },
  { row: 'A', rule: 'Bearer scheme at the token endpoint → 401 invalid_client', request: (c) => post(cc, { authorization: `Bearer ${c.secret}` }), status: 401, error: 'invalid_client', basicChallenge: true },
  { row: 'A', rule: 'Basic credentials that are not UTF-8 → invalid_request', request: () => post(cc, { authorization: `Basic ${Buffer.from([0xff, 0x3a, 0xfe]).toString('base64')}` }), status: 400, error: 'invalid_request' },
  { row: 'A', rule: 'RFC 6749 App. B: form-encoded halves are decoded (bad %-escape → invalid_request)', request: (c) => post(cc, { authorization: basic(c.id, '%zz') }), status: 400, error: 'invalid_request' },

  // ---- B. grant handling ----
  { row: 'B1', rule: 'GET → 405 with Allow: POST', request: () => ({ method: 'GET', url: '/oauth/token' }), status: 405, error: 'invalid_request', headers: { allow: 'POST' } },
  { row: 'B1', rule: 'PUT → 405 with Allow: POST', request: (c) => ({ ...post(cc, { authorization: basic(c.id, c.secret) }), method: 'PUT' }), status: 405, error: 'invalid_request', headers: { allow: 'POST' } },
  { row: 'B2', rule: 'grant_type missing → invalid_request', request: (c) => post('scope=webhooks', { authorization: basic(c.id, c.secret) }), status: 400, error: 'invalid_request' },
  { row: 'B2', rule: 'grant_type empty → invalid_request', request: (c) => post('grant_type=', { authorization: basic(c.id, c.secret) }), status: 400, error: 'invalid_request' },
  ...['foo', 'CLIENT_CREDENTIALS', 'password', 'implicit', 'client_credentials%20'].map((g): Case => ({
    row: 'B3', rule: `grant_type=${g} → unsupported_grant_type (case-sensitive; ROPC banned)`, request: (c) => post(`grant_type=${g}`, { authorization: basic(c.id, c.secret) }), status: 400, error: 'unsupported_grant_type',
  })),
  { row: 'B5', rule: 'grant_type sent twice → invalid_request', request: (c) => post(`${cc}&${cc}`, { authorization: basic(c.id, c.secret) }), status: 400, error: 'invalid_request' },
  { row: 'B5', rule: 'scope sent twice → invalid_request', request: (c) => post(`${cc}&scope=webhooks&scope=devices`, { authorization: basic(c.id, c.secret) }), status: 400, error: 'invalid_request' },
  { row: 'B6', rule: 'JSON body → invalid_request', request: (c) => post(JSON.stringify({ grant_type: 'client_credentials' }), { authorization: basic(c.id, c.secret), 'content-type': 'application/json' }), status: 400, error: 'invalid_request' },
  { row: 'B7', rule: 'no Content-Type → invalid_request', request: (c) => ({ method: 'POST', url: '/oauth/token', payload: cc, headers: { authorization: basic(c.id, c.secret), 'content-type': '' } }), status: 400, error: 'invalid_request' },
  { row: 'B7', rule: 'multipart body → invalid_request', request: (c) => post('--x\r\nContent-Disposition: form-data; name="grant_type"\r\n\r\nclient_credentials\r\n--x--\r\n', { authorization: basic(c.id, c.secret), 'content-type': 'multipart/form-data; boundary=x' }), status: 400, error: 'invalid_request' },
  { row: 'B7', rule: 'text/plain body → invalid_request', request: (c) => post(cc, { authorization: basic(c.id, c.secret), 'content-type': 'text/plain' }), status: 400, error: 'invalid_request' },
  { row: 'B8', rule: 'body over 64 KiB → 413 invalid_request', request: (c) => post(`${cc}&pad=${'x'.repeat(70 * 1024)}`, { authorization: basic(c.id, c.secret) }), status: 413, error: 'invalid_request' },
  { row: 'B11', rule: 'unknown extra parameters are ignored → 200', request: (c) => post(`${cc}&foo=bar&audience=x`, { authorization: basic(c.id, c.secret) }), status: 200 },
  { row: 'B12', rule: 'scope=admin → invalid_scope', request: (c) => post(`${cc}&scope=admin`, { authorization: basic(c.id, c.secret) }), status: 400, error: 'invalid_scope' },
  { row: 'B12', rule: 'a known scope the client may not have → invalid_scope', request: (c) => post(`${cc}&scope=devices`, { authorization: basic(c.narrow.id, c.narrow.secret) }), status: 400, error: 'invalid_scope' },
  { row: 'B12', rule: 'control character in scope → invalid_scope', request: (c) => post(`${cc}&scope=webhooks%0a`, { authorization: basic(c.id, c.secret) }), status: 400, error: 'invalid_scope' },
  { row: 'B12', rule: 'quote in scope → invalid_scope', request: (c) => post(`${cc}&scope=%22webhooks%22`, { authorization: basic(c.id, c.secret) }), status: 400, error: 'invalid_scope' },
  { row: 'B12', rule: 'double space in scope → invalid_scope', request: (c) => post(`${cc}&scope=webhooks%20%20devices`, { authorization: basic(c.id, c.secret) }), status: 400, error: 'invalid_scope' },
];

for (const backend of BACKENDS) {
  describe(`token endpoint › SECURITY-CASES A and B (${backend.name})`, () => {
    let t: TestServer;
    let creds: Creds;
    beforeAll(async () => {
      t = await createTestServer({ backend });
      const main = await t.client({ scopes: ['webhooks', 'transactions', 'devices'] });
      creds = {
        ...main,
        narrow: await t.client({ scopes: ['webhooks'] }),
        prod: await t.client({ environment: 'production' }),
      };
    });
    afterAll(() => t.close());

    it.each(CASES)('$row: $rule', async (c) => {
      const { env, ...request } = c.request(creds) as InjectOptions & { env?: 'production' };
      const res = await t.app(env ?? 'sandbox').inject(request);
      expect(res.statusCode).toBe(c.status);
      // RFC 6749 §5.1: every response of the token endpoint, errors included, is uncacheable JSON.
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['pragma']).toBe('no-cache');
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      if (c.error) expect(res.json().error).toBe(c.error);
      else expect(res.json()).toMatchObject({ token_type: 'Bearer' });
      if (c.basicChallenge) expect(res.headers['www-authenticate']).toBe('Basic realm="oauth"');
      for (const [k, v] of Object.entries(c.headers ?? {})) {
        if (typeof v === 'string') expect(res.headers[k]).toBe(v);
        else expect(String(res.headers[k])).toMatch(v);
      }
      // A secret or token never echoes back in an error.
      if (c.status >= 400) expect(res.body).not.toContain(creds.secret);
    });

    it('A8/A9: unknown client and wrong secret get byte-identical answers', async () => {
      const unknown = await t.app().inject(post(cc, { authorization: basic('Z'.repeat(24), creds.secret) }));
      const wrong = await t.app().inject(post(cc, { authorization: basic(creds.id, 'y'.repeat(48)) }));
      expect(unknown.statusCode).toBe(wrong.statusCode);
      expect(unknown.body).toBe(wrong.body);
      expect(unknown.headers['www-authenticate']).toBe(wrong.headers['www-authenticate']);
    });

    it('A4: the Basic value splits at the first colon; the rest is the secret', async () => {
      // Our own secrets are alphanumeric, so plant a client whose secret contains a colon.
      const id = 'Colonsecretclient0000001';
      await t.store.clients.create({
        id, environment: 'sandbox', name: 'colon', secretHash: t.server.hasher.hash('client_secret', 'sec:ret'),
        previousSecretHash: null, previousSecretExpiresAt: null, scopes: ['webhooks'], grantTypes: ['client_credentials'],
        redirectUris: [], isResourceServer: false, merchantId: null, createdAt: t.clock.now(), dpopBoundAccessTokens: false,
      });
      const ok = await t.app().inject(post(cc, { authorization: `Basic ${b64(`${id}:sec:ret`)}` }));
      expect(ok.statusCode).toBe(200);
      const semicolonFirst = await t.app().inject(post(cc, { authorization: `Basic ${b64(`${id};sec:ret`)}` }));
      expect(semicolonFirst.statusCode).toBe(200);
    });

    it('B13: scope omitted → every allowed scope, echoed back', async () => {
      const res = await t.app().inject(post(cc, { authorization: basic(creds.id, creds.secret) }));
      expect(res.json().scope).toBe('webhooks transactions devices');
    });

    it('B13: a narrower scope is granted as asked, in canonical order', async () => {
      const res = await t.app().inject(post(`${cc}&scope=devices%20webhooks`, { authorization: basic(creds.id, creds.secret) }));
      expect(res.json().scope).toBe('webhooks devices');
    });

    it('B14: success carries no refresh_token and no CORS header', async () => {
      const res = await t.app().inject(post(cc, { authorization: basic(creds.id, creds.secret), origin: 'https://evil.example' }));
      expect(res.statusCode).toBe(200);
      expect(Object.keys(res.json()).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('A23: a deleted credential → 401 invalid_client, and its tokens die', async () => {
      const c = await t.client();
      const tok = (await t.app().inject(post(cc, { authorization: basic(c.id, c.secret) }))).json().access_token as string;
      expect(await t.store.clients.delete(c.id, t.clock.now())).toBe(true);
      const res = await t.app().inject(post(cc, { authorization: basic(c.id, c.secret) }));
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Basic realm="oauth"');
      const rec = await t.store.tokens.find(tokenKey(t.server.hasher, tok));
      expect(rec?.revokedAt).not.toBeNull();
    });
  });
}
