import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { AccountAgent } from './agent.js';
import { basic, createTestServer, postForm, type TestServer } from '../helpers/test-server.js';
import { tokenKey } from '../../src/core/token-key.js';

const PASSWORD = 'correct horse battery staple';

describe.each(BACKENDS)('web account › credentials ($name)', (backend) => {
  let t: TestServer;
  let n = 0;
  const newMerchant = async () => {
    const a = new AccountAgent(t.app());
    await a.signup(`cred${++n}-${backend.name}@example.com`);
    return a;
  };
  const token = async (id: string, secret: string, env: 'sandbox' | 'production' = 'sandbox') =>
    postForm(t.app(env), '/oauth/token', 'grant_type=client_credentials', { authorization: basic(id, secret) });
  const introspect = async (id: string, secret: string, value: string) =>
    (await postForm(t.app(), '/oauth/introspect', `token=${value}`, { authorization: basic(id, secret) })).json();

  beforeAll(async () => {
    // Many merchants sign up from one test address.
    t = await createTestServer({ backend, config: { signupsPerIp: 10_000 } });
  });
  afterAll(() => t.close());

  it('generate: the secret is shown once on a no-store page with a curl command for the token URL, and it works', async () => {
    const a = await newMerchant();
    const { id, secret, res } = await a.generate('sandbox', 'Online shop');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toContain('http://sandbox.test/oauth/token');
    expect(res.body).toContain(`-u &#39;${id}:${secret}&#39;`);
    const tok = await token(id, secret);
    expect(tok.statusCode).toBe(200);
    expect(tok.json().scope).toBe('webhooks');
  });

  it('G7: the secret never appears again: not in the list, the detail page, the JSON API, the audit trail, nor in the database', async () => {
    const a = await newMerchant();
    const { id, secret } = await a.generate('sandbox');
    await t.server.usage.flush({ force: true });
    for (const url of ['/account/sandbox', `/account/credentials/${id}`, `/account/credentials/${id}/usage`, `/account/credentials/${id}/audit`, '/account/activity']) {
      const res = await a.get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toContain(id);
      expect(res.body, url).not.toContain(secret);
    }
    for (const url of ['/account/api/credentials', `/account/api/credentials/${id}`, `/account/api/credentials/${id}/audit`, '/account/api/audit']) {
      const res = await a.api('GET', url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).not.toContain(secret);
      expect(res.body, url).not.toMatch(/secret_hash|[0-9a-f]{64}/);
    }
    if (backend.name === 'sqlite') {
      const path = t.dbUrl.slice('sqlite:'.length);
      const bytes = readFileSync(path).toString('latin1') + readWal(path);
      expect(bytes).toContain(id); // the file is readable and holds the credential…
      expect(bytes).not.toContain(secret); // …but neither its secret,
      expect(bytes).not.toContain(PASSWORD); // nor the password,
      expect(bytes).not.toContain(a.cookies.get('mypos_session')!); // nor the session id.
    }
  });

  it('G9: sandbox and production are separate lists; a credential works only in its own environment', async () => {
    const a = await newMerchant();
    const sb = await a.generate('sandbox', 'Sandbox one');
    const pr = await a.generate('production', 'Production one');
    const sandboxPage = (await a.get('/account/sandbox')).body;
    const productionPage = (await a.get('/account/production')).body;
    expect(sandboxPage).toContain(sb.id);
    expect(sandboxPage).not.toContain(pr.id);
    expect(productionPage).toContain(pr.id);
    expect(productionPage).not.toContain(sb.id);
    expect((await token(pr.id, pr.secret, 'production')).statusCode).toBe(200);
    expect((await token(pr.id, pr.secret, 'sandbox')).statusCode).toBe(401);
    expect(pr.res.body).toContain('http://production.test/oauth/token');
    const list = (await a.api('GET', '/account/api/credentials?environment=production')).json();
    expect(list.credentials.map((c: { client_id: string }) => c.client_id)).toEqual([pr.id]);
  });

  it('G9 / ASVS 7.5.1: generating or rotating a production credential asks for the password again once the login is older than 5 minutes', async () => {
    const a = await newMerchant();
    t.clock.advance(6 * 60);
    const page = await a.get('/account/production');
    expect(page.body).toContain('id="gen-password"');
    const refused = await a.post('/account/production/credentials', { name: 'Live', scope_webhooks: '1' });
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('Enter your password again');
    const wrong = await a.post('/account/production/credentials', { name: 'Live', scope_webhooks: '1', password: 'not my password' });
    expect(wrong.statusCode).toBe(403);
    expect(wrong.body).toContain('password is not correct');
    expect((await a.api('GET', '/account/api/credentials?environment=production')).json().credentials).toEqual([]);
    const ok = await a.generate('production', 'Live', { password: PASSWORD });
    // Sandbox never asks.
    t.clock.advance(6 * 60);
    await a.generate('sandbox', 'Test');
    const rotate = await a.post(`/account/credentials/${ok.id}/rotate`, { grace_seconds: '0' });
    expect(rotate.statusCode).toBe(403);
    const api = await a.api('POST', `/account/api/credentials/${ok.id}/rotate`, { grace_seconds: 0 });
    expect(api.statusCode).toBe(403);
    expect(api.json().error).toBe('reauthentication_required');
    const again = await a.post(`/account/credentials/${ok.id}/rotate`, { grace_seconds: '0', password: PASSWORD });
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toMatch(/^\/account\/secrets\/[0-9a-f]{64}$/);
  });

  it('rotate with a grace period: both secrets work until it ends, both are listed with the expiry, then only the new one', async () => {
    const a = await newMerchant();
    const { id, secret: old } = await a.generate('sandbox');
    const res = await a.followSecret(await a.post(`/account/credentials/${id}/rotate`, { grace_seconds: '3600' }));
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const fresh = /id="client-secret" class="secret">([A-Za-z0-9]{48})</.exec(res.body)![1]!;
    expect(fresh).not.toBe(old);
    expect(res.body).toContain('The old secret keeps working until');
    expect((await token(id, old)).statusCode).toBe(200);
    expect((await token(id, fresh)).statusCode).toBe(200);
    const detail = await a.get(`/account/credentials/${id}`);
    expect(detail.body).toMatch(/Previous secret <code class="hint"[^>]*>…[A-Za-z0-9]{4}<\/code>: works until/);
    expect((await a.api('GET', `/account/api/credentials/${id}`)).json().previous_secret_expires_at).toBe(t.clock.now() + 3600);
    t.clock.advance(3601);
    expect((await token(id, old)).statusCode).toBe(401);
    expect((await token(id, fresh)).statusCode).toBe(200);
    expect((await a.get(`/account/credentials/${id}`)).body).not.toContain('Previous secret');
  });

  it('rotate refuses a grace period that is not 0–30 days in whole seconds', async () => {
    const a = await newMerchant();
    const { id } = await a.generate('sandbox');
    for (const grace of ['-1', '1.5', 'abc', String(31 * 86_400), '']) {
      const res = await a.post(`/account/credentials/${id}/rotate`, { grace_seconds: grace });
      expect(res.statusCode, grace).toBe(400);
    }
    for (const grace of [-1, 1.5, 'x', true, [60]]) {
      expect((await a.api('POST', `/account/api/credentials/${id}/rotate`, { grace_seconds: grace })).statusCode, String(grace)).toBe(400);
    }
  });

  it('rename: the new name is shown (escaped) and audited', async () => {
    const a = await newMerchant();
    const { id } = await a.generate('sandbox', 'Old name');
    const res = await a.post(`/account/credentials/${id}/rename`, { name: '<script>alert(1)</script> & co' });
    expect(res.statusCode).toBe(303);
    const page = await a.get(`/account/credentials/${id}`);
    expect(page.body).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; co');
    expect(page.body).not.toContain('<script>alert(1)');
    expect((await a.post(`/account/credentials/${id}/rename`, { name: '   ' })).statusCode).toBe(400);
    const audit = (await a.api('GET', `/account/api/credentials/${id}/audit`)).json().events;
    expect(audit[0]).toMatchObject({ action: 'renamed', detail: { from: 'Old name', to: '<script>alert(1)</script> & co' }, ip: '127.0.0.1' });
  });

  it('revoke all tokens: every token of the credential becomes inactive; the credential keeps working', async () => {
    const a = await newMerchant();
    const { id, secret } = await a.generate('sandbox');
    const tokens = [(await token(id, secret)).json().access_token, (await token(id, secret)).json().access_token];
    expect((await a.api('GET', `/account/api/credentials/${id}`)).json().active_tokens).toBe(2);
    const res = await a.post(`/account/credentials/${id}/revoke-tokens`);
    expect(res.statusCode).toBe(303);
    for (const v of tokens) expect(await introspect(id, secret, v)).toEqual({ active: false });
    expect((await a.api('GET', `/account/api/credentials/${id}`)).json().active_tokens).toBe(0);
    expect((await token(id, secret)).statusCode).toBe(200);
  });

  it('G10: delete: the credential and all its tokens stop working at once', async () => {
    const a = await newMerchant();
    const { id, secret } = await a.generate('sandbox');
    const { id: otherId, secret: otherSecret } = await a.generate('sandbox', 'Resource server');
    const access = (await token(id, secret)).json().access_token as string;
    const confirm = await a.get(`/account/credentials/${id}/delete`);
    expect(confirm.statusCode).toBe(200);
    expect(confirm.body).toContain(`action="/account/credentials/${id}/delete"`);
    const res = await a.post(`/account/credentials/${id}/delete`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/account/sandbox?done=deleted');
    expect((await token(id, secret)).statusCode).toBe(401);
    const record = await t.store.tokens.find(tokenKey(t.server.hasher, access));
    expect(record?.revokedAt).not.toBeNull();
    expect(await introspect(otherId, otherSecret, access)).toEqual({ active: false });
    expect((await a.get(`/account/credentials/${id}`)).statusCode).toBe(404);
    expect((await a.get('/account/sandbox')).body).not.toContain(id);
  });

  it('isolation: another merchant\'s credential id in any URL or form gives 404 and changes nothing', async () => {
    const owner = await newMerchant();
    const { id, secret } = await owner.generate('sandbox', 'Owned');
    const access = (await token(id, secret)).json().access_token as string;
    const intruder = await newMerchant();
    for (const url of [`/account/credentials/${id}`, `/account/credentials/${id}/delete`, `/account/credentials/${id}/usage`, `/account/credentials/${id}/audit`]) {
      const res = await intruder.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).not.toContain('Owned');
    }
    for (const [url, form] of [
      [`/account/credentials/${id}/rotate`, { grace_seconds: '0' }],
      [`/account/credentials/${id}/rename`, { name: 'Pwned' }],
      [`/account/credentials/${id}/revoke-tokens`, {}],
      [`/account/credentials/${id}/delete`, {}],
    ] as const) {
      expect((await intruder.post(url, form)).statusCode, url).toBe(404);
    }
    for (const [method, url] of [
      ['GET', `/account/api/credentials/${id}`],
      ['GET', `/account/api/credentials/${id}/usage`],
      ['GET', `/account/api/credentials/${id}/audit`],
      ['POST', `/account/api/credentials/${id}/rotate`],
      ['POST', `/account/api/credentials/${id}/rename`],
      ['POST', `/account/api/credentials/${id}/revoke-tokens`],
      ['POST', `/account/api/credentials/${id}/delete`],
    ] as const) {
      const res = await intruder.api(method, url, method === 'POST' ? { name: 'Pwned', grace_seconds: 0 } : undefined);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error).toBe('not_found');
    }
    // The same 404 as for an id that does not exist at all.
    expect((await intruder.get('/account/credentials/AAAAAAAAAAAAAAAAAAAAAAAA')).statusCode).toBe(404);
    // Nothing changed: same name, same secret, token still active, no audit rows by the intruder.
    const mine = (await owner.api('GET', `/account/api/credentials/${id}`)).json();
    expect(mine).toMatchObject({ name: 'Owned', previous_secret_expires_at: null, active_tokens: 1 });
    expect((await token(id, secret)).statusCode).toBe(200);
    expect((await introspect(id, secret, access)).active).toBe(true);
    const events = (await owner.api('GET', `/account/api/credentials/${id}/audit`)).json().events;
    expect(events.map((e: { action: string }) => e.action)).toEqual(['created']);
    // And the intruder's own list stays empty.
    expect((await intruder.api('GET', '/account/api/credentials')).json().credentials).toEqual([]);
  });

  it('G1: every state-changing POST without a CSRF token is 403 and changes nothing', async () => {
    const a = await newMerchant();
    const { id, secret } = await a.generate('sandbox', 'Keep me');
    const posts: Array<[string, Record<string, string>]> = [
      ['/account/sandbox/credentials', { name: 'X', scope_webhooks: '1' }],
      ['/account/production/credentials', { name: 'X', scope_webhooks: '1' }],
      [`/account/credentials/${id}/rotate`, { grace_seconds: '0' }],
      [`/account/credentials/${id}/rename`, { name: 'Changed' }],
      [`/account/credentials/${id}/revoke-tokens`, {}],
      [`/account/credentials/${id}/delete`, {}],
      ['/account/password', { current_password: PASSWORD, new_password: 'another passphrase!' }],
      ['/account/logout', {}],
      ['/account/signup', { email: 'csrf@example.com', password: PASSWORD }],
      ['/account/api/credentials', { environment: 'sandbox', name: 'X', scope: 'webhooks' }],
      [`/account/api/credentials/${id}/delete`, {}],
      ['/account/api/logout', {}],
    ];
    for (const [url, form] of posts) {
      for (const csrf of [false, 'not-a-valid-token'] as const) {
        const res = await a.post(url, form, { csrf });
        expect(res.statusCode, `${url} csrf=${String(csrf)}`).toBe(403);
      }
    }
    const me = await a.api('GET', '/account/api/me');
    expect(me.statusCode).toBe(200);
    const list = (await a.api('GET', '/account/api/credentials')).json().credentials;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ client_id: id, name: 'Keep me', previous_secret_expires_at: null });
    expect((await token(id, secret)).statusCode).toBe(200);
    expect((await new AccountAgent(t.app()).login(`cred${n}-${backend.name}@example.com`)).statusCode).toBe(303);
  });

  it('G1: a cross-site POST (Origin or Sec-Fetch-Site) is 403 even with a valid CSRF token', async () => {
    const a = await newMerchant();
    const { id } = await a.generate('sandbox', 'Keep me');
    const cases: Array<Record<string, string>> = [
      { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      { origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' },
      { origin: 'null' },
      { origin: 'http://sandbox.test', 'sec-fetch-site': 'cross-site' },
      { origin: 'http://sandbox.test', 'sec-fetch-site': 'same-site' },
      { origin: 'http://sandbox.test:8443' },
    ];
    for (const headers of cases) {
      const res = await a.post(`/account/credentials/${id}/delete`, {}, { headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(403);
    }
    expect((await a.api('GET', `/account/api/credentials/${id}`)).statusCode).toBe(200);
  });

  it('GET never changes state: the action URLs do not answer GET, and pages leave everything as it was', async () => {
    const a = await newMerchant();
    const { id, secret } = await a.generate('sandbox', 'Keep me');
    for (const url of [`/account/credentials/${id}/rotate`, `/account/credentials/${id}/rename`, `/account/credentials/${id}/revoke-tokens`, '/account/logout', '/account/sandbox/credentials']) {
      expect((await a.get(url)).statusCode, url).toBe(404);
    }
    expect((await a.get(`/account/credentials/${id}/delete`)).statusCode).toBe(200); // the confirmation page only
    expect((await a.api('GET', `/account/api/credentials/${id}`)).json()).toMatchObject({ name: 'Keep me', previous_secret_expires_at: null });
    expect((await token(id, secret)).statusCode).toBe(200);
    expect((await a.get('/account/sandbox')).statusCode).toBe(200);
  });

  it('G12: every page, error pages and the API included, carries frame-ancestors \'none\', a CSP without unsafe-inline, and nosniff', async () => {
    const a = await newMerchant();
    const { id } = await a.generate('sandbox');
    const anon = new AccountAgent(t.app());
    const responses = [
      await anon.get('/account/login'),
      await anon.get('/account/signup'),
      await anon.get('/account/nope'),
      await a.get('/account/sandbox'),
      await a.get('/account/production'),
      await a.get(`/account/credentials/${id}`),
      await a.get(`/account/credentials/${id}/usage`),
      await a.get(`/account/credentials/${id}/audit`),
      await a.get('/account/activity'),
      await a.get('/account/settings'),
      await a.get('/account/credentials/AAAAAAAAAAAAAAAAAAAAAAAA'),
      await a.api('GET', '/account/api/credentials'),
      await a.post('/account/logout', {}, { csrf: false }),
    ];
    for (const res of responses) {
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-store');
      if (String(res.headers['content-type']).startsWith('text/html')) {
        expect(res.body).not.toMatch(/<script>|<style|\sstyle=|\son[a-z]+=/i);
      }
    }
    const css = await anon.get('/account/static/app.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(css.headers['x-content-type-options']).toBe('nosniff');
  });

  it('audit trail: created, rotated, renamed, tokens revoked, deleted, with time, actor and source IP, per credential and per account', async () => {
    const a = await newMerchant();
    const email = `cred${n}-${backend.name}@example.com`;
    const { id } = await a.generate('sandbox', 'Audited');
    await a.post(`/account/credentials/${id}/rotate`, { grace_seconds: '60' });
    await a.post(`/account/credentials/${id}/rename`, { name: 'Audited 2' });
    await a.post(`/account/credentials/${id}/revoke-tokens`);
    await a.post(`/account/credentials/${id}/delete`);
    const events = (await a.api('GET', '/account/api/audit')).json().events as Array<Record<string, unknown>>;
    const mine = events.filter((e) => e.client_id === id);
    expect(mine.map((e) => e.action)).toEqual(['deleted', 'tokens_revoked', 'renamed', 'rotated', 'created']);
    for (const e of mine) expect(e).toMatchObject({ actor: email, ip: '127.0.0.1', environment: 'sandbox', at: expect.any(Number) });
    expect(events.at(-1)!.action).toBe('signed_up');
    const page = await a.get('/account/activity');
    expect(page.body).toContain('Credential deleted');
    expect(page.body).toContain('Secret rotated');
  });

  it('usage: issued tokens and failed authentications are counted per hour and drawn as SVG; failures are audited in bulk', async () => {
    const a = await newMerchant();
    const { id, secret } = await a.generate('sandbox', 'Busy');
    for (let i = 0; i < 3; i++) expect((await token(id, secret)).statusCode).toBe(200);
    for (let i = 0; i < 2; i++) expect((await token(id, 'x'.repeat(48))).statusCode).toBe(401);
    await token('ZZZZZZZZZZZZZZZZZZZZZZZZ', 'x'.repeat(48)); // unknown id: dropped, never stored
    await t.server.usage.flush({ force: true });
    const usage = (await a.api('GET', `/account/api/credentials/${id}/usage`)).json();
    const sum = (k: 'issued' | 'failed') => usage.daily.reduce((s: number, b: Record<string, number>) => s + b[k]!, 0);
    expect(sum('issued')).toBe(3);
    expect(sum('failed')).toBe(2);
    expect(usage.daily).toHaveLength(30);
    expect(usage.hourly).toHaveLength(48);
    expect(usage.hourly.at(-1)).toMatchObject({ issued: 3, failed: 2 });
    const page = await a.get(`/account/credentials/${id}/usage`);
    expect(page.body).toContain('<svg id="daily"');
    expect(page.body).toContain('3 tokens issued and 2 failed authentications');
    const events = (await a.api('GET', `/account/api/credentials/${id}/audit`)).json().events;
    expect(events[0]).toMatchObject({ action: 'client_auth_failed', actor: 'client', count: 2, ip: '127.0.0.1' });
    const list = (await a.api('GET', '/account/api/credentials?environment=sandbox')).json().credentials[0];
    expect(list).toMatchObject({ active_tokens: 3, last_used_at: t.clock.now() });
    expect(await t.store.usage.hourly('ZZZZZZZZZZZZZZZZZZZZZZZZ', 0)).toEqual([]);
  });

  it('JSON API: sign up, generate, list, rotate, rename, revoke, delete, log out', async () => {
    const a = new AccountAgent(t.app());
    const signup = await a.api('POST', '/account/api/signup', { email: `api${++n}@example.com`, password: PASSWORD });
    expect(signup.statusCode).toBe(201);
    const created = await a.api('POST', '/account/api/credentials', { environment: 'sandbox', name: 'API', scopes: ['webhooks', 'devices'] });
    expect(created.statusCode).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    const c = created.json();
    expect(c).toMatchObject({ environment: 'sandbox', name: 'API', scope: 'webhooks devices', token_url: 'http://sandbox.test/oauth/token' });
    expect(c.client_secret).toMatch(/^[A-Za-z0-9]{48}$/);
    expect((await token(c.client_id, c.client_secret)).statusCode).toBe(200);
    const rotated = (await a.api('POST', `/account/api/credentials/${c.client_id}/rotate`, { grace_seconds: 120 })).json();
    expect(rotated.previous_secret_expires_at).toBe(t.clock.now() + 120);
    expect((await token(c.client_id, rotated.client_secret)).statusCode).toBe(200);
    expect((await a.api('POST', `/account/api/credentials/${c.client_id}/rename`, { name: 'Renamed' })).json().name).toBe('Renamed');
    expect((await a.api('POST', `/account/api/credentials/${c.client_id}/revoke-tokens`)).json().revoked_tokens).toBe(2);
    expect((await a.api('POST', `/account/api/credentials/${c.client_id}/delete`)).json()).toEqual({ client_id: c.client_id, deleted: true });
    expect((await a.api('POST', '/account/api/credentials', { environment: 'staging', name: 'x', scopes: ['webhooks'] })).statusCode).toBe(400);
    expect((await a.api('POST', '/account/api/credentials', { environment: 'sandbox', name: 'x', scopes: ['admin'] })).statusCode).toBe(400);
    expect((await a.api('POST', '/account/api/credentials', { environment: 'sandbox', name: { $ne: 1 }, scopes: ['webhooks'] })).statusCode).toBe(400);
    expect((await a.api('POST', '/account/api/logout')).statusCode).toBe(200);
    expect((await a.api('GET', '/account/api/credentials')).statusCode).toBe(401);
  });

  it('malformed bodies never give a 500', async () => {
    const a = await newMerchant();
    const csrf = await a.csrf();
    const bodies: Array<[string, string]> = [
      ['application/json', '{'],
      ['application/json', '[]'],
      ['application/json', '{"name": ["a"], "scope_webhooks": 1}'],
      ['text/plain', 'name=x'],
      ['application/x-www-form-urlencoded', `_csrf=${csrf}&name=a&name=b&scope_webhooks=1`],
    ];
    for (const [type, payload] of bodies) {
      const res = await a.app.inject({
        method: 'POST',
        url: '/account/sandbox/credentials',
        payload,
        headers: { host: 'sandbox.test', cookie: a.cookieHeader(), 'content-type': type, 'x-csrf-token': csrf, origin: 'http://sandbox.test' },
      });
      expect(res.statusCode, payload).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, payload).toBeLessThan(500);
    }
  });
});

function readWal(path: string): string {
  try {
    return readFileSync(`${path}-wal`).toString('latin1');
  } catch {
    return '';
  }
}
