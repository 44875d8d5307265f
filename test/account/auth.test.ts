import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { AccountAgent } from './agent.js';
import { createTestServer, type TestServer } from '../helpers/test-server.js';

const PASSWORD = 'correct horse battery staple';

describe.each(BACKENDS)('web account › sign-up, login and sessions ($name)', (backend) => {
  let t: TestServer;
  let n = 0;
  const email = () => `merchant${++n}-${backend.name}@example.com`;
  beforeAll(async () => {
    // Many merchants sign up from one test address.
    t = await createTestServer({ backend, config: { signupsPerIp: 10_000 } });
  });
  afterAll(() => t.close());

  it('the login page links to sign-up; sign-up logs in and lands on the sandbox credentials', async () => {
    const a = new AccountAgent(t.app());
    const login = await a.get('/account/login');
    expect(login.statusCode).toBe(200);
    expect(login.body).toContain('href="/account/signup"');
    await a.signup(email());
    const home = await a.get('/account');
    expect(home.statusCode).toBe(303);
    expect(home.headers.location).toBe('/account/sandbox');
    expect((await a.get('/account/sandbox')).body).toContain('Sandbox credentials');
  });

  it('sign-up refuses a taken email, a bad email and a short password, re-showing the form', async () => {
    const a = new AccountAgent(t.app());
    const e = email();
    await a.signup(e);
    const b = new AccountAgent(t.app());
    for (const [form, message] of [
      [{ email: e.toUpperCase(), password: PASSWORD }, 'already exists'],
      [{ email: 'not-an-email', password: PASSWORD }, 'valid email'],
      [{ email: email(), password: 'short' }, 'at least 12'],
    ] as const) {
      const res = await b.post('/account/signup', form);
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
      expect(res.body).toContain(message);
      expect(b.cookies.has('mypos_session')).toBe(false);
    }
  });

  it('ASVS 7.2.3 / G4: the session cookie is HttpOnly, SameSite=Lax, Path=/, ≥128-bit; plain http gets no Secure flag', async () => {
    const a = new AccountAgent(t.app());
    const res = await a.post('/account/signup', { email: email(), password: PASSWORD });
    const cookie = (res.cookies as Array<Record<string, unknown>>).find((c) => c.name === 'mypos_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(cookie.secure).toBeFalsy();
    expect(String(cookie.value)).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits
  });

  it('G4: over HTTPS (proxy-forwarded) the cookie is __Host-mypos_session with Secure', async () => {
    const https = await createTestServer({ backend, config: { trustProxy: true } });
    try {
      const a = new AccountAgent(https.app());
      const csrf = await a.app.inject({ method: 'GET', url: '/account/api/csrf', headers: { 'x-forwarded-proto': 'https', host: 'sandbox.test' } });
      const token = csrf.json().csrf_token as string;
      const csrfCookie = (csrf.cookies as Array<Record<string, unknown>>).find((c) => c.name === 'mypos_csrf')!;
      expect(csrfCookie.secure).toBe(true);
      const res = await a.app.inject({
        method: 'POST',
        url: '/account/signup',
        payload: new URLSearchParams({ email: email(), password: PASSWORD, _csrf: token, _form: 'https-signup-formnonce' }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-proto': 'https', host: 'sandbox.test', origin: 'https://sandbox.test', cookie: `mypos_csrf=${String(csrfCookie.value)}` },
      });
      expect(res.statusCode).toBe(303);
      const cookie = (res.cookies as Array<Record<string, unknown>>).find((c) => c.name === '__Host-mypos_session')!;
      expect(cookie).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Lax', path: '/' });
      expect(cookie.domain).toBeUndefined();
      expect(res.headers['strict-transport-security']).toBeDefined();
    } finally {
      await https.close();
    }
  });

  it('ASVS 7.2.4: login issues a new session id and deletes the one the browser had', async () => {
    const a = new AccountAgent(t.app());
    const e = email();
    await a.signup(e);
    const first = a.cookies.get('mypos_session')!;
    const res = await a.login(e);
    expect(res.statusCode).toBe(303);
    const second = a.cookies.get('mypos_session')!;
    expect(second).not.toBe(first);
    const replay = new AccountAgent(t.app());
    replay.cookies.set('mypos_session', first);
    expect((await replay.get('/account/sandbox')).headers.location).toMatch(/^\/account\/login/);
  });

  it('G4 / ASVS 7.4.1: after logout, replaying the old cookie leads to the login page', async () => {
    const a = new AccountAgent(t.app());
    await a.signup(email());
    const old = a.cookies.get('mypos_session')!;
    const res = await a.post('/account/logout');
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/account/login?done=logged_out');
    const replay = new AccountAgent(t.app());
    replay.cookies.set('mypos_session', old);
    const page = await replay.get('/account/sandbox');
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/account/login?return_to=%2Faccount%2Fsandbox');
    expect((await replay.api('GET', '/account/api/me')).statusCode).toBe(401);
  });

  it('ASVS 7.4.3: a password change ends every other session; the new password works, the old one not', async () => {
    const e = email();
    const a = new AccountAgent(t.app());
    await a.signup(e);
    const b = new AccountAgent(t.app());
    expect((await b.login(e)).statusCode).toBe(303);
    const res = await a.post('/account/password', { current_password: PASSWORD, new_password: 'an entirely new passphrase' });
    expect(res.statusCode).toBe(303);
    expect((await a.get('/account/sandbox')).statusCode).toBe(200);
    expect((await b.get('/account/sandbox')).statusCode).toBe(303);
    expect((await new AccountAgent(t.app()).login(e)).statusCode).toBe(401);
    expect((await new AccountAgent(t.app()).login(e, 'an entirely new passphrase')).statusCode).toBe(303);
    const wrong = await a.post('/account/password', { current_password: 'not it at all!!', new_password: 'another new passphrase' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('current password is not correct');
  });

  it('"Log out everywhere" ends every session of the account', async () => {
    const e = email();
    const a = new AccountAgent(t.app());
    await a.signup(e);
    const b = new AccountAgent(t.app());
    await b.login(e);
    await a.post('/account/logout', { everywhere: '1' });
    expect((await b.get('/account/sandbox')).statusCode).toBe(303);
  });

  it('idle and absolute session expiry lead back to the login page', async () => {
    const a = new AccountAgent(t.app());
    await a.signup(email());
    t.clock.advance(2 * 3600 + 1);
    expect((await a.get('/account/sandbox')).statusCode).toBe(303);
  });

  it('G2: a login POST without a CSRF token, or with a wrong one, is 403 and logs nobody in', async () => {
    const e = email();
    await new AccountAgent(t.app()).signup(e);
    const a = new AccountAgent(t.app());
    await a.get('/account/login');
    for (const csrf of [false, 'forged-token'] as const) {
      const res = await a.post('/account/login', { email: e, password: PASSWORD }, { csrf });
      expect(res.statusCode).toBe(403);
      expect(a.cookies.has('mypos_session')).toBe(false);
    }
    // No CSRF cookie at all (first visit straight to the POST).
    const fresh = new AccountAgent(t.app());
    expect((await fresh.post('/account/login', { email: e, password: PASSWORD }, { csrf: 'x' })).statusCode).toBe(403);
  });

  it('G5 / ASVS 6.3.8: unknown email and wrong password get the same status and message', async () => {
    const e = email();
    await new AccountAgent(t.app()).signup(e);
    const a = new AccountAgent(t.app());
    const wrong = await a.login(e, 'wrong password here');
    const unknown = await a.login(`nobody-${e}`, 'wrong password here');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    const msg = (body: string) => /<p class="flash error" role="alert">([^<]*)<\/p>/.exec(body)?.[1];
    expect(msg(wrong.body)).toBe('Incorrect email or password.');
    expect(msg(unknown.body)).toBe(msg(wrong.body));
  });

  it('G5: repeated failures throttle the account (known or unknown alike) with a temporary 429 and Retry-After', async () => {
    const e = email();
    await new AccountAgent(t.app()).signup(e);
    const statuses = async (address: string) => {
      const a = new AccountAgent(t.app());
      const out: number[] = [];
      for (let i = 0; i < 7; i++) out.push((await a.login(address, `wrong password ${i}`)).statusCode);
      return out;
    };
    const known = await statuses(e);
    const unknown = await statuses(`ghost-${e}`);
    expect(known).toEqual(unknown);
    expect(known.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(known.slice(5)).toEqual([429, 429]);
    const blocked = await new AccountAgent(t.app()).login(e);
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toMatch(/^\d+$/);
    expect(blocked.body).toContain('Too many attempts');
  });

  it('return_to: same-origin relative paths only; anything else falls back to /account', async () => {
    const e = email();
    await new AccountAgent(t.app()).signup(e);
    const cases: Array<[string, string]> = [
      ['/oauth/authorize?client_id=abc&state=x', '/oauth/authorize?client_id=abc&state=x'],
      ['/account/production', '/account/production'],
      ['https://evil.example/', '/account'],
      ['//evil.example/x', '/account'],
      ['/\\evil.example', '/account'],
      ['\\\\evil.example', '/account'],
      ['javascript:alert(1)', '/account'],
      ['/%0d%0aSet-Cookie:x=1', '/%0d%0aSet-Cookie:x=1'],
      ['/\tevil', '/account'],
    ];
    for (const [returnTo, expected] of cases) {
      const a = new AccountAgent(t.app());
      const res = await a.post('/account/login', { email: e, password: PASSWORD, return_to: returnTo });
      expect(res.statusCode, returnTo).toBe(303);
      expect(res.headers.location, returnTo).toBe(expected);
    }
    // The login page carries return_to through the form.
    const page = await new AccountAgent(t.app()).get('/account/login?return_to=%2Foauth%2Fauthorize%3Fx%3D1');
    expect(page.body).toContain('name="return_to" value="/oauth/authorize?x=1"');
  });

  it('a page that needs a session redirects to login with return_to, and comes back after login', async () => {
    const e = email();
    await new AccountAgent(t.app()).signup(e);
    const a = new AccountAgent(t.app());
    const res = await a.get('/account/production');
    expect(res.headers.location).toBe('/account/login?return_to=%2Faccount%2Fproduction');
    const login = await a.post('/account/login', { email: e, password: PASSWORD, return_to: '/account/production' });
    expect(login.headers.location).toBe('/account/production');
  });

  it('the session from one listener works on the other (one account, both environments)', async () => {
    const a = new AccountAgent(t.app('sandbox'));
    await a.signup(email());
    const b = new AccountAgent(t.app('production'), 'http://production.test');
    for (const [k, v] of a.cookies) b.cookies.set(k, v);
    expect((await b.get('/account/production')).statusCode).toBe(200);
  });
});

describe('web account › sign-ups are metered per IP', () => {
  it('past the configured number of sign-ups from one address, the next gets 429 with Retry-After', async () => {
    const t = await createTestServer({ config: { signupsPerIp: 2 } });
    try {
      await new AccountAgent(t.app()).signup('one@example.com');
      await new AccountAgent(t.app()).signup('two@example.com');
      const res = await new AccountAgent(t.app()).post('/account/signup', { email: 'three@example.com', password: PASSWORD });
      expect(res.statusCode).toBe(429);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      expect(await t.store.merchants.findByEmail('three@example.com')).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});
