import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { grantCode, VERIFIER } from '../helpers/authorize.js';
import { basic, createTestServer, postForm, type TestServer } from '../helpers/test-server.js';

type Creds = { id: string; secret: string };
const CB = 'https://app.example/cb';

for (const backend of BACKENDS) {
  describe(`authorization_code and refresh_token › SECURITY-CASES C and D (${backend.name})`, () => {
    let t: TestServer;
    let a: Creds;
    let b: Creds;
    let ccOnly: Creds;

    const codeClient = () => t.client({ grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [CB], scopes: ['webhooks', 'transactions'] });
    const exchange = (c: Creds, code: string, extra = `&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${VERIFIER}`) =>
      postForm(t.app(), '/oauth/token', `grant_type=authorization_code&code=${code}${extra}`, { authorization: basic(c.id, c.secret) });
    const refresh = (c: Creds, rt: string, extra = '') =>
      postForm(t.app(), '/oauth/token', `grant_type=refresh_token&refresh_token=${rt}${extra}`, { authorization: basic(c.id, c.secret) });
    const active = async (c: Creds, tok: string) =>
      (await postForm(t.app(), '/oauth/introspect', `token=${tok}`, { authorization: basic(c.id, c.secret) })).json().active as boolean;
    const pair = async (c: Creds, scope = 'webhooks transactions') => {
      const res = await exchange(c, await grantCode(t, c.id, { scope }));
      expect(res.statusCode).toBe(200);
      return res.json() as { access_token: string; refresh_token: string; scope: string; expires_in: number };
    };
    const expectInvalidGrant = (res: { statusCode: number; json(): any; headers: Record<string, unknown> }) => {
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_grant');
      expect(res.headers['cache-control']).toBe('no-store');
    };

    beforeAll(async () => {
      t = await createTestServer({ backend });
      a = await codeClient();
      b = await codeClient();
      ccOnly = await t.client();
    });
    afterAll(() => t.close());

    it('RFC 6749 §4.1.3: a code with its verifier and redirect_uri → access and refresh token', async () => {
      const res = await exchange(a, await grantCode(t, a.id, { scope: 'webhooks' }));
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'webhooks', refresh_token: expect.stringMatching(/^[A-Za-z0-9]{42}$/) });
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('C1: a code redeemed twice → invalid_grant, and the tokens of the first redemption die', async () => {
      const code = await grantCode(t, a.id);
      const first = (await exchange(a, code)).json();
      expectInvalidGrant(await exchange(a, code));
      expect(await active(a, first.access_token)).toBe(false);
      expectInvalidGrant(await refresh(a, first.refresh_token));
    });

    it('C2: 20 parallel redemptions of one code → exactly one 200, 19 invalid_grant, then everything revoked', async () => {
      const code = await grantCode(t, a.id);
      const results = await Promise.all(Array.from({ length: 20 }, () => exchange(a, code)));
      const ok = results.filter((r) => r.statusCode === 200);
      expect(ok).toHaveLength(1);
      expect(results.filter((r) => r.statusCode === 400 && r.json().error === 'invalid_grant')).toHaveLength(19);
      expect(await active(a, ok[0]!.json().access_token)).toBe(false);
    });

    it.each([
      ['a wrong verifier', `&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${'x'.repeat(43)}`, 'invalid_grant'],
      ['no verifier', `&redirect_uri=${encodeURIComponent(CB)}`, 'invalid_grant'],
      ['a verifier of 42 characters', `&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${'x'.repeat(42)}`, 'invalid_request'],
      ['a verifier of 129 characters', `&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${'x'.repeat(129)}`, 'invalid_request'],
      ['a verifier with bad characters', `&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${'x'.repeat(42)}%2B`, 'invalid_request'],
      ['a different redirect_uri', `&redirect_uri=${encodeURIComponent(CB + '/x')}&code_verifier=${VERIFIER}`, 'invalid_grant'],
      ['no redirect_uri', `&code_verifier=${VERIFIER}`, 'invalid_grant'],
    ])('C3/C6: %s → %s, and the code stays redeemable', async (_name, extra, error) => {
      const code = await grantCode(t, a.id);
      const res = await exchange(a, code, extra);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe(error);
      expect((await exchange(a, code)).statusCode).toBe(200);
    });

    it('C7: an expired code (60 s) → invalid_grant', async () => {
      const code = await grantCode(t, a.id);
      t.clock.advance(61);
      try {
        expectInvalidGrant(await exchange(a, code));
      } finally {
        t.clock.advance(-61);
      }
    });

    it('C8: client B redeeming A\'s code → invalid_grant and nothing issued; A can still redeem it', async () => {
      const code = await grantCode(t, a.id);
      expectInvalidGrant(await exchange(b, code));
      expect((await exchange(a, code)).statusCode).toBe(200);
    });

    it('B4: authorization_code on a client allowed only client_credentials → unauthorized_client', async () => {
      const code = await grantCode(t, ccOnly.id);
      const res = await exchange(ccOnly, code);
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('unauthorized_client');
    });

    it('garbage or unknown code → invalid_grant; missing code → invalid_request', async () => {
      expectInvalidGrant(await exchange(a, 'nope'));
      const res = await postForm(t.app(), '/oauth/token', 'grant_type=authorization_code', { authorization: basic(a.id, a.secret) });
      expect(res.json().error).toBe('invalid_request');
    });

    it('a code of the sandbox is unknown at the production listener', async () => {
      const code = await grantCode(t, a.id);
      const res = await postForm(t.app('production'), '/oauth/token', `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${VERIFIER}`, { authorization: basic(a.id, a.secret) });
      expect(res.statusCode).toBe(401);
    });

    it('RFC 6749 §2.1: a public client redeems with client_id and PKCE alone; it may not use client_credentials', async () => {
      const pub = await t.client({ grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [CB], isPublic: true });
      expect(pub.secret).toBe('');
      const code = await grantCode(t, pub.id);
      const res = await postForm(t.app(), '/oauth/token', `grant_type=authorization_code&client_id=${pub.id}&code=${code}&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${VERIFIER}`);
      expect(res.statusCode).toBe(200);
      const rt = res.json().refresh_token;
      const again = await postForm(t.app(), '/oauth/token', `grant_type=refresh_token&client_id=${pub.id}&refresh_token=${rt}`);
      expect(again.statusCode).toBe(200);
      const cc = await postForm(t.app(), '/oauth/token', `grant_type=client_credentials&client_id=${pub.id}`);
      expect(cc.statusCode).toBe(401);
    });

    it('D1: a refresh returns a new pair; the old refresh token then gets invalid_grant', async () => {
      const p = await pair(a);
      const res = await refresh(a, p.refresh_token);
      expect(res.statusCode).toBe(200);
      const next = res.json();
      expect(next.refresh_token).not.toBe(p.refresh_token);
      expect(next.scope).toBe('webhooks transactions');
      expect(await active(a, next.access_token)).toBe(true);
      expectInvalidGrant(await refresh(a, p.refresh_token));
    });

    it('D2: a rotated refresh token replayed → invalid_grant, and the whole family dies', async () => {
      const p = await pair(a);
      const next = (await refresh(a, p.refresh_token)).json();
      expectInvalidGrant(await refresh(a, p.refresh_token));
      expectInvalidGrant(await refresh(a, next.refresh_token));
      expect(await active(a, next.access_token)).toBe(false);
      expect(await active(a, p.access_token)).toBe(false);
    });

    it('D3: client B presenting A\'s refresh token → invalid_grant; A\'s family is untouched', async () => {
      const p = await pair(a);
      expectInvalidGrant(await refresh(b, p.refresh_token));
      expect(await active(a, p.access_token)).toBe(true);
      expect((await refresh(a, p.refresh_token)).statusCode).toBe(200);
    });

    it('D4: a wider scope → invalid_scope; a narrower one narrows the access token, the new refresh token keeps the grant', async () => {
      const p = await pair(a, 'webhooks');
      const wider = await refresh(a, p.refresh_token, '&scope=webhooks%20transactions');
      expect(wider.statusCode).toBe(400);
      expect(wider.json().error).toBe('invalid_scope');
      const q = await pair(a, 'webhooks transactions');
      const narrow = (await refresh(a, q.refresh_token, '&scope=transactions')).json();
      expect(narrow.scope).toBe('transactions');
      const full = (await refresh(a, narrow.refresh_token)).json();
      expect(full.scope).toBe('webhooks transactions');
    });

    it('D5/E3: revoking a refresh token (RFC 7009) kills it and the access tokens of its grant', async () => {
      const p = await pair(a);
      const rev = await postForm(t.app(), '/oauth/revoke', `token=${p.refresh_token}&token_type_hint=refresh_token`, { authorization: basic(a.id, a.secret) });
      expect(rev.statusCode).toBe(200);
      expect(await active(a, p.access_token)).toBe(false);
      expectInvalidGrant(await refresh(a, p.refresh_token));
    });

    it('D5: after its credential is deleted, refresh → 401 invalid_client', async () => {
      const c = await codeClient();
      const p = await pair(c);
      await t.store.clients.delete(c.id, t.clock.now());
      const res = await refresh(c, p.refresh_token);
      expect(res.statusCode).toBe(401);
      expect(res.json().error).toBe('invalid_client');
    });

    it('D7: garbage, an access token presented as a refresh token, or an expired one → invalid_grant', async () => {
      const p = await pair(a);
      expectInvalidGrant(await refresh(a, 'garbage'));
      expectInvalidGrant(await refresh(a, p.access_token));
      t.clock.advance(14 * 24 * 3600 + 1);
      try {
        expectInvalidGrant(await refresh(a, p.refresh_token));
      } finally {
        t.clock.advance(-(14 * 24 * 3600 + 1));
      }
    });

    it('rotation never extends the grant past its absolute lifetime (30 days)', async () => {
      const p = await pair(a);
      let rt = p.refresh_token;
      const start = t.clock.now();
      try {
        for (let day = 10; day <= 30; day += 10) {
          t.clock.t = start + day * 24 * 3600 - 10;
          const res = await refresh(a, rt);
          expect(res.statusCode).toBe(200);
          rt = res.json().refresh_token;
        }
        t.clock.t = start + 30 * 24 * 3600;
        expectInvalidGrant(await refresh(a, rt));
      } finally {
        t.clock.t = start;
      }
    });

    it('fault table: 20 parallel refreshes with one refresh token → exactly one 200, 19 invalid_grant, family revoked (strict)', async () => {
      const p = await pair(a);
      const results = await Promise.all(Array.from({ length: 20 }, () => refresh(a, p.refresh_token)));
      const ok = results.filter((r) => r.statusCode === 200);
      expect(ok).toHaveLength(1);
      expect(results.filter((r) => r.statusCode === 400 && r.json().error === 'invalid_grant')).toHaveLength(19);
      expectInvalidGrant(await refresh(a, ok[0]!.json().refresh_token));
    });
  });
}

describe('refresh_token › optional grace window', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer({ config: { refreshGraceSeconds: 5 } });
  });
  afterAll(() => t.close());

  it('the pair re-issued within the grace window works: its access token is active, its refresh token refreshes', async () => {
    const c = await t.client({ grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [CB] });
    const auth = { authorization: basic(c.id, c.secret) };
    const code = await grantCode(t, c.id);
    const p = (await postForm(t.app(), '/oauth/token', `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${VERIFIER}`, auth)).json();
    const r1 = (await postForm(t.app(), '/oauth/token', `grant_type=refresh_token&refresh_token=${p.refresh_token}`, auth)).json();
    // The client did not get r1 (say, a lost response) and retries within the window.
    const r2 = await postForm(t.app(), '/oauth/token', `grant_type=refresh_token&refresh_token=${p.refresh_token}`, auth);
    expect(r2.statusCode).toBe(200);
    const again = r2.json();
    expect(again.access_token).not.toBe(r1.access_token);
    expect(again.refresh_token).not.toBe(r1.refresh_token);
    const introspected = (await postForm(t.app(), '/oauth/introspect', `token=${again.access_token}`, auth)).json();
    expect(introspected).toMatchObject({ active: true, client_id: c.id, token_type: 'Bearer' });
    const api = await t.app().inject({ method: 'GET', url: '/v1/webhooks', headers: { authorization: `Bearer ${again.access_token}` } });
    expect(api.statusCode).toBe(200);
    const next = await postForm(t.app(), '/oauth/token', `grant_type=refresh_token&refresh_token=${again.refresh_token}`, auth);
    expect(next.statusCode).toBe(200);
  });

  it('within the grace window a retried refresh gets a new pair instead of revoking the family; after it, reuse is detected', async () => {
    const c = await t.client({ grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [CB] });
    const code = await grantCode(t, c.id);
    const p = (await postForm(t.app(), '/oauth/token', `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${VERIFIER}`, { authorization: basic(c.id, c.secret) })).json();
    const r1 = await postForm(t.app(), '/oauth/token', `grant_type=refresh_token&refresh_token=${p.refresh_token}`, { authorization: basic(c.id, c.secret) });
    const r2 = await postForm(t.app(), '/oauth/token', `grant_type=refresh_token&refresh_token=${p.refresh_token}`, { authorization: basic(c.id, c.secret) });
    expect(r1.statusCode).toBe(200);
    expect(r2.statusCode).toBe(200);
    t.clock.advance(5);
    const r3 = await postForm(t.app(), '/oauth/token', `grant_type=refresh_token&refresh_token=${p.refresh_token}`, { authorization: basic(c.id, c.secret) });
    expect(r3.statusCode).toBe(400);
    const r4 = await postForm(t.app(), '/oauth/token', `grant_type=refresh_token&refresh_token=${r1.json().refresh_token}`, { authorization: basic(c.id, c.secret) });
    expect(r4.statusCode).toBe(400);
  });
});
