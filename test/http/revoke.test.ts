import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { basic, createTestServer, postForm, type TestServer } from '../helpers/test-server.js';

for (const backend of BACKENDS) {
  describe(`revocation › RFC 7009 and SECURITY-CASES E (${backend.name})`, () => {
    let t: TestServer;
    let a: { id: string; secret: string };
    let b: { id: string; secret: string };
    const token = async (c: { id: string; secret: string }) =>
      (await postForm(t.app(), '/oauth/token', 'grant_type=client_credentials', { authorization: basic(c.id, c.secret) })).json().access_token as string;
    const introspect = async (c: { id: string; secret: string }, tok: string) =>
      (await postForm(t.app(), '/oauth/introspect', `token=${tok}`, { authorization: basic(c.id, c.secret) })).json();
    // Errors are RFC 6749 §5.2 JSON; a success is an empty body with no media type (§2.2).
    const expectOAuthHeaders = (res: { headers: Record<string, unknown> }, body: 'json' | 'empty' = 'json') => {
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['pragma']).toBe('no-cache');
      if (body === 'json') expect(res.headers['content-type']).toMatch(/^application\/json/);
      else expect(res.headers['content-type']).toBeUndefined();
    };

    beforeAll(async () => {
      t = await createTestServer({ backend });
      a = await t.client();
      b = await t.client();
    });
    afterAll(() => t.close());

    it('E1 §2.2: unknown or garbage token → 200 with an empty body', async () => {
      for (const garbage of ['nope', 'A'.repeat(42), '%00%ff', 'x'.repeat(5000)]) {
        const res = await postForm(t.app(), '/oauth/revoke', `token=${garbage}`, { authorization: basic(a.id, a.secret) });
        expect(res.statusCode).toBe(200);
        expect(res.body).toBe('');
        expectOAuthHeaders(res, 'empty');
      }
    });

    it('RFC 7009 §2.2: a successful revocation is an empty body with no JSON content type (res.json() is not promised)', async () => {
      const tok = await token(a);
      for (const res of [
        await postForm(t.app(), '/oauth/revoke', `token=${tok}`, { authorization: basic(a.id, a.secret) }),
        await t.app().inject({ method: 'POST', url: '/oauth/revoke', payload: JSON.stringify({ token: tok }), headers: { authorization: basic(a.id, a.secret), 'content-type': 'application/json' } }),
      ]) {
        expect(res.statusCode).toBe(200);
        expect(res.body).toBe('');
        expect(res.headers['content-length']).toBe('0');
        expect(res.headers['content-type']).toBeUndefined();
      }
    });

    it('E2: the caller revokes its own access token → 200, then inactive', async () => {
      const tok = await token(a);
      expect((await introspect(a, tok)).active).toBe(true);
      const res = await postForm(t.app(), '/oauth/revoke', `token=${tok}&token_type_hint=access_token`, { authorization: basic(a.id, a.secret) });
      expect(res.statusCode).toBe(200);
      expect(await introspect(a, tok)).toEqual({ active: false });
    });

    it('myPOS docs: revocation with a form body and the semicolon separator', async () => {
      const tok = await token(a);
      const res = await postForm(t.app(), '/oauth/revoke', `token=${tok}`, { authorization: basic(a.id, a.secret, ';') });
      expect(res.statusCode).toBe(200);
      expect(await introspect(a, tok)).toEqual({ active: false });
    });

    it('myPOS docs PHP example: revocation with a JSON body', async () => {
      const tok = await token(a);
      const res = await t.app().inject({
        method: 'POST',
        url: '/oauth/revoke',
        payload: JSON.stringify({ token: tok }),
        headers: { authorization: basic(a.id, a.secret), 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(200);
      expect(await introspect(a, tok)).toEqual({ active: false });
    });

    it('E5: another client\'s token → 400 unauthorized_client, and the token stays active', async () => {
      const tok = await token(a);
      const res = await postForm(t.app(), '/oauth/revoke', `token=${tok}`, { authorization: basic(b.id, b.secret) });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('unauthorized_client');
      expectOAuthHeaders(res);
      expect((await introspect(a, tok)).active).toBe(true);
    });

    it('E6: missing or bad client authentication → 401 with Basic challenge', async () => {
      const tok = await token(a);
      for (const headers of [{}, { authorization: basic(a.id, 'wrong') }] as Record<string, string>[]) {
        const res = await postForm(t.app(), '/oauth/revoke', `token=${tok}`, headers);
        expect(res.statusCode).toBe(401);
        expect(res.json().error).toBe('invalid_client');
        expect(res.headers['www-authenticate']).toBe('Basic realm="oauth"');
        expectOAuthHeaders(res);
      }
      expect((await introspect(a, tok)).active).toBe(true);
    });

    it('E7: no token parameter → 400 invalid_request', async () => {
      const res = await postForm(t.app(), '/oauth/revoke', 'token_type_hint=access_token', { authorization: basic(a.id, a.secret) });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_request');
    });

    it('E7: a JSON token that is not a string → 400 invalid_request', async () => {
      const res = await t.app().inject({
        method: 'POST', url: '/oauth/revoke', payload: '{"token":{"$ne":null}}',
        headers: { authorization: basic(a.id, a.secret), 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_request');
    });

    it('E7: malformed JSON → 400 invalid_request', async () => {
      const res = await t.app().inject({
        method: 'POST', url: '/oauth/revoke', payload: '{"token":',
        headers: { authorization: basic(a.id, a.secret), 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_request');
      expectOAuthHeaders(res);
    });

    it('E8: revoking an already revoked token → 200', async () => {
      const tok = await token(a);
      for (let i = 0; i < 2; i++) {
        const res = await postForm(t.app(), '/oauth/revoke', `token=${tok}`, { authorization: basic(a.id, a.secret) });
        expect(res.statusCode).toBe(200);
      }
    });

    it('E9: GET /oauth/revoke → 405 with Allow: POST', async () => {
      const res = await t.app().inject({ method: 'GET', url: '/oauth/revoke' });
      expect(res.statusCode).toBe(405);
      expect(res.headers.allow).toBe('POST');
      expect(res.json().error).toBe('invalid_request');
    });

    it('a token of the sandbox is unknown at the production listener: 200 there, still active in the sandbox', async () => {
      const prod = await t.client({ environment: 'production' });
      const tok = await token(a);
      const res = await postForm(t.app('production'), '/oauth/revoke', `token=${tok}`, { authorization: basic(prod.id, prod.secret) });
      expect(res.statusCode).toBe(200);
      expect((await introspect(a, tok)).active).toBe(true);
    });

    it('a revoked token stays revoked: no later token request revives it', async () => {
      const tok = await token(a);
      await postForm(t.app(), '/oauth/revoke', `token=${tok}`, { authorization: basic(a.id, a.secret) });
      await token(a);
      expect(await introspect(a, tok)).toEqual({ active: false });
    });

    it('duplicate parameters → 400 invalid_request', async () => {
      const res = await postForm(t.app(), '/oauth/revoke', 'token=a&token=b', { authorization: basic(a.id, a.secret) });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_request');
    });
  });
}
