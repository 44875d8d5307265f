import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { createTestServer, type TestServer } from '../helpers/test-server.js';
import { AccountAgent } from './agent.js';

const PASSWORD = 'correct horse battery staple';

/** The code an authenticator app shows at `seconds` (Unix time), computed with the same library. */
const codeAt = (secret: string, seconds: number) => new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({ timestamp: seconds * 1000 });

/** Signs up, enrols through the pages and returns the secret (read from the page) and the recovery codes. */
async function enrolled(t: TestServer, email: string): Promise<{ a: AccountAgent; secret: string; codes: string[] }> {
  const a = new AccountAgent(t.app());
  await a.signup(email);
  const start = await a.post('/account/two-factor/setup');
  expect(start.statusCode).toBe(303);
  expect(start.headers.location).toBe('/account/two-factor/setup');
  const page = await a.get('/account/two-factor/setup');
  const secret = /id="totp-secret" class="secret">([A-Z2-7 ]+)</.exec(page.body)![1]!.replace(/ /g, '');
  const confirm = await a.post('/account/two-factor/confirm', { code: codeAt(secret, t.clock.now()) });
  expect(confirm.statusCode).toBe(303);
  const shown = await a.followSecret(confirm);
  const codes = [...shown.body.matchAll(/\b([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})\b/g)].map((m) => m[1]!);
  // The enrolment's own code is used up: move to the next time step before signing in with one.
  t.clock.advance(30);
  return { a, secret, codes };
}

/** Logs in with the password; the answer is the redirect to the second step. */
async function passwordStep(t: TestServer, email: string): Promise<AccountAgent> {
  const b = new AccountAgent(t.app());
  const res = await b.login(email);
  expect(res.statusCode).toBe(303);
  expect(res.headers.location).toBe('/account/login/code');
  return b;
}

describe.each(BACKENDS)('web account › two-factor sign-in, TOTP RFC 6238 ($name)', (backend) => {
  let t: TestServer;
  let n = 0;
  const email = () => `tf${++n}-${backend.name}@example.com`;
  beforeAll(async () => {
    t = await createTestServer({ backend, config: { signupsPerIp: 10_000 } });
  });
  afterAll(() => t.close());

  it('enrolment: QR code (inline SVG) and the key as text, for the session that started it only; on only after a valid code', async () => {
    const e = email();
    const a = new AccountAgent(t.app());
    await a.signup(e);
    expect((await a.get('/account/settings')).body).toContain('Set up two-factor sign-in');
    await a.post('/account/two-factor/setup');
    const page = await a.get('/account/two-factor/setup');
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<svg class="qr"[^>]*role="img"[^>]*aria-label="QR code/);
    expect(page.body).toMatch(/<path d="(M\d+ \d+h1v1h-1z)+" fill="#000"\/>/);
    const secret = /id="totp-secret" class="secret">([A-Z2-7 ]+)</.exec(page.body)![1]!.replace(/ /g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/); // 160 bits (RFC 4226 §4 R6)
    expect(page.body).toContain(`otpauth://totp/myPOS%20Web%20Account:${encodeURIComponent(e)}?issuer=myPOS%20Web%20Account&amp;secret=${secret}&amp;algorithm=SHA1&amp;digits=6&amp;period=30`);

    // Another session of the same merchant sees nothing of it.
    const other = new AccountAgent(t.app());
    await other.login(e);
    const elsewhere = await other.get('/account/two-factor/setup');
    expect(elsewhere.statusCode).toBe(303);
    expect(elsewhere.headers.location).toBe('/account/settings');

    // A wrong code changes nothing; sign-in still needs only the password.
    const wrong = await a.post('/account/two-factor/confirm', { code: codeAt(secret, t.clock.now() + 300) });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('That code is not correct');
    expect(wrong.body).toContain(secret.slice(0, 4));
    expect((await new AccountAgent(t.app()).login(e)).headers.location).toBe('/account');

    const ok = await a.post('/account/two-factor/confirm', { code: codeAt(secret, t.clock.now()) });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toMatch(/^\/account\/secrets\/[0-9a-f]{64}$/);
    // After enrolment the key is never shown again.
    const after = await a.get('/account/two-factor/setup');
    expect(after.statusCode).toBe(303);
    const settings = await a.get('/account/settings');
    expect(settings.body).toContain('<strong>On.</strong>');
    expect(settings.body).not.toContain(secret);
  });

  it('recovery codes: ten, shown once on the one-time page (a reload gets 410), stored only as keyed hashes; the secret only sealed', async () => {
    const e = email();
    const a = new AccountAgent(t.app());
    await a.signup(e);
    await a.post('/account/two-factor/setup');
    const secret = /id="totp-secret" class="secret">([A-Z2-7 ]+)</.exec((await a.get('/account/two-factor/setup')).body)![1]!.replace(/ /g, '');
    const confirm = await a.post('/account/two-factor/confirm', { code: codeAt(secret, t.clock.now()) });
    const shown = await a.get(confirm.headers.location as string);
    expect(shown.statusCode).toBe(200);
    const codes = [...shown.body.matchAll(/\b([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})\b/g)].map((m) => m[1]!);
    expect(new Set(codes).size).toBe(10);
    const again = await a.get(confirm.headers.location as string);
    expect(again.statusCode).toBe(410);
    for (const c of codes) expect(again.body).not.toContain(c);

    const merchant = (await t.store.merchants.findByEmail(e))!;
    const row = (await t.store.twoFactor.find(merchant.id))!;
    expect(row.secretSealed).toMatch(/^v1\./);
    expect(row.secretSealed).not.toContain(secret);
    expect(await t.store.twoFactor.unusedRecoveryCodes(merchant.id)).toBe(10);
    expect(JSON.stringify(row)).not.toMatch(/[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}/);
  });

  it('sign-in: the password alone signs in nothing; a wrong code is refused (401); the right one signs in and lands where asked', async () => {
    const e = email();
    const { secret } = await enrolled(t, e);
    const b = new AccountAgent(t.app());
    const res = await b.post('/account/login', { email: e, password: PASSWORD, return_to: '/account/production' });
    expect(res.headers.location).toBe('/account/login/code?return_to=%2Faccount%2Fproduction');
    // Not signed in yet: every page and the API send it to the login page.
    expect((await b.get('/account/sandbox')).headers.location).toMatch(/^\/account\/login/);
    expect((await b.api('GET', '/account/api/me')).statusCode).toBe(401);
    const step = await b.get('/account/login/code?return_to=%2Faccount%2Fproduction');
    expect(step.body).toContain('Two-factor sign-in');
    expect(step.body).toContain('autocomplete="one-time-code"');

    const wrong = await b.post('/account/login/code', { code: codeAt(secret, t.clock.now() - 120), return_to: '/account/production' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('That code is not correct');
    expect((await b.get('/account/sandbox')).statusCode).toBe(303);

    const ok = await b.post('/account/login/code', { code: codeAt(secret, t.clock.now()), return_to: '/account/production' });
    expect(ok.statusCode).toBe(303);
    expect(ok.headers.location).toBe('/account/production');
    expect((await b.get('/account/production')).statusCode).toBe(200);
    const me = (await b.api('GET', '/account/api/me')).json();
    expect(me.merchant.two_factor).toBe(true);
  });

  it('RFC 6238 §5.2: a code is accepted once, with one step of drift either way and no more', async () => {
    const e = email();
    const { secret } = await enrolled(t, e);
    const now = t.clock.now();
    const b = await passwordStep(t, e);
    expect((await b.post('/account/login/code', { code: codeAt(secret, now) })).statusCode).toBe(303);
    // Replay of the same code, within its validity, in another sign-in: refused.
    const c = await passwordStep(t, e);
    expect((await c.post('/account/login/code', { code: codeAt(secret, now) })).statusCode).toBe(401);
    // The previous step's code, after a later one was used: refused too.
    expect((await c.post('/account/login/code', { code: codeAt(secret, now - 30) })).statusCode).toBe(401);
    // Two steps ahead is beyond the allowed drift; one step ahead (a phone's clock running fast) is fine.
    expect((await c.post('/account/login/code', { code: codeAt(secret, now + 60) })).statusCode).toBe(401);
    expect((await c.post('/account/login/code', { code: codeAt(secret, now + 30) })).statusCode).toBe(303);
    // One step behind (a slow phone) is fine once the server has moved on.
    t.clock.advance(90);
    const d = await passwordStep(t, e);
    expect((await d.post('/account/login/code', { code: codeAt(secret, t.clock.now() - 30) })).statusCode).toBe(303);
  });

  it('a recovery code signs in once; the second use is refused; audit rows say so', async () => {
    const e = email();
    const { codes } = await enrolled(t, e);
    const b = await passwordStep(t, e);
    const ok = await b.post('/account/login/code', { code: codes[0]!.toUpperCase().replace(/-/g, ' ') });
    expect(ok.statusCode).toBe(303);
    const c = await passwordStep(t, e);
    expect((await c.post('/account/login/code', { code: codes[0]! })).statusCode).toBe(401);
    expect((await c.post('/account/login/code', { code: codes[1]! })).statusCode).toBe(303);
    const activity = (await c.get('/account/activity')).body;
    expect(activity).toContain('Recovery code used');
    expect(activity).toContain('at sign-in; 8 unused codes left');
    expect(activity).toContain('Failed two-factor code');
    expect(activity).toContain('Two-factor sign-in turned on');
    expect(activity).toContain('with a recovery code');
  });

  it('a race has one winner: the same recovery code, or the same time step, sent at once is accepted once', async () => {
    const e = email();
    const { secret, codes } = await enrolled(t, e);
    const agents = await Promise.all([passwordStep(t, e), passwordStep(t, e), passwordStep(t, e)]);
    const byRecovery = await Promise.all(agents.map((x) => x.post('/account/login/code', { code: codes[2]! })));
    expect(byRecovery.map((r) => r.statusCode).sort()).toEqual([303, 401, 401]);
    const more = await Promise.all([passwordStep(t, e), passwordStep(t, e), passwordStep(t, e)]);
    const code = codeAt(secret, t.clock.now());
    const byTotp = await Promise.all(more.map((x) => x.post('/account/login/code', { code })));
    expect(byTotp.map((r) => r.statusCode).sort()).toEqual([303, 401, 401]);
  });

  it('the second step waits five minutes; after that the sign-in starts again', async () => {
    const e = email();
    const { secret } = await enrolled(t, e);
    const b = await passwordStep(t, e);
    t.clock.advance(5 * 60 + 1);
    const late = await b.post('/account/login/code', { code: codeAt(secret, t.clock.now()) });
    expect(late.statusCode).toBe(303);
    expect(late.headers.location).toBe('/account/login?done=second_step_expired');
    expect((await b.get('/account/sandbox')).statusCode).toBe(303);
    expect((await b.get('/account/login/code')).headers.location).toBe('/account/login?done=second_step_expired');
  });

  it('ASVS 7.5.1: with two-factor on, production changes after the re-authentication window ask for the password and a current code', async () => {
    const e = email();
    const { a, secret } = await enrolled(t, e);
    t.clock.advance(6 * 60);
    const pageBody = (await a.get('/account/production')).body;
    expect(pageBody).toContain('id="gen-password"');
    expect(pageBody).toContain('id="gen-password-code"');
    const passwordOnly = await a.post('/account/production/credentials', { name: 'Live', scope_webhooks: '1', password: PASSWORD });
    expect(passwordOnly.statusCode).toBe(403);
    expect(passwordOnly.body).toContain('a current code from your authenticator app');
    const wrongCode = await a.post('/account/production/credentials', { name: 'Live', scope_webhooks: '1', password: PASSWORD, code: codeAt(secret, t.clock.now() + 600) });
    expect(wrongCode.statusCode).toBe(403);
    expect(wrongCode.body).toContain('The code is not correct');
    const api = await a.api('POST', '/account/api/credentials', { environment: 'production', name: 'Live', scopes: ['webhooks'], password: PASSWORD });
    expect(api.statusCode).toBe(403);
    expect(api.json().error).toBe('reauthentication_required');
    expect((await a.api('GET', '/account/api/credentials?environment=production')).json().credentials).toEqual([]);
    const ok = await a.generate('production', 'Live', { password: PASSWORD, code: codeAt(secret, t.clock.now()) });
    expect(ok.id).toMatch(/^[A-Za-z0-9]{24}$/);
    // Within the window that follows, nothing more is asked.
    expect((await a.post(`/account/credentials/${ok.id}/rotate`, { grace_seconds: '0' })).statusCode).toBe(303);
  });

  it('turning it off needs the password and a current code, even right after sign-in; then the password alone signs in', async () => {
    const e = email();
    const { a, secret } = await enrolled(t, e);
    const noCode = await a.post('/account/two-factor/disable', { password: PASSWORD });
    expect(noCode.statusCode).toBe(403);
    const wrongPassword = await a.post('/account/two-factor/disable', { password: 'not the password at all', code: codeAt(secret, t.clock.now()) });
    expect(wrongPassword.statusCode).toBe(403);
    expect(wrongPassword.body).toContain('The password is not correct');
    expect((await a.get('/account/settings')).body).toContain('<strong>On.</strong>');
    const off = await a.post('/account/two-factor/disable', { password: PASSWORD, code: codeAt(secret, t.clock.now()) });
    expect(off.statusCode).toBe(303);
    expect(off.headers.location).toBe('/account/settings?done=two_factor_off');
    expect((await new AccountAgent(t.app()).login(e)).headers.location).toBe('/account');
    const merchant = (await t.store.merchants.findByEmail(e))!;
    expect(await t.store.twoFactor.find(merchant.id)).toBeUndefined();
    expect(await t.store.twoFactor.unusedRecoveryCodes(merchant.id)).toBe(0);
    expect((await a.get('/account/activity')).body).toContain('Two-factor sign-in turned off');
  });

  it('new recovery codes need a current code; the old ones stop working, the new ones work once', async () => {
    const e = email();
    const { a, secret, codes } = await enrolled(t, e);
    expect((await a.post('/account/two-factor/recovery-codes', { code: '000000' })).statusCode).toBe(401);
    const res = await a.followSecret(await a.post('/account/two-factor/recovery-codes', { code: codeAt(secret, t.clock.now()) }));
    expect(res.statusCode).toBe(200);
    const fresh = [...res.body.matchAll(/\b([a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4})\b/g)].map((m) => m[1]!);
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(codes[0]);
    const b = await passwordStep(t, e);
    expect((await b.post('/account/login/code', { code: codes[3]! })).statusCode).toBe(401);
    expect((await b.post('/account/login/code', { code: fresh[0]! })).statusCode).toBe(303);
    expect((await a.get('/account/activity')).body).toContain('Recovery codes replaced');
  });

  it('JSON API: /account/api/login answers second_factor_required; /account/api/login/code signs in; a wrong code is invalid_code', async () => {
    const e = email();
    const { secret } = await enrolled(t, e);
    const b = new AccountAgent(t.app());
    const login = await b.api('POST', '/account/api/login', { email: e, password: PASSWORD });
    expect(login.statusCode).toBe(200);
    expect(login.json()).toEqual({ second_factor_required: true });
    expect((await b.api('GET', '/account/api/me')).statusCode).toBe(401);
    const wrong = await b.api('POST', '/account/api/login/code', { code: codeAt(secret, t.clock.now() + 900) });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().error).toBe('invalid_code');
    const ok = await b.api('POST', '/account/api/login/code', { code: codeAt(secret, t.clock.now()) });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().merchant.email).toBe(e);
    expect((await b.api('GET', '/account/api/me')).statusCode).toBe(200);
    // Without a waiting sign-in there is nothing to complete.
    expect((await new AccountAgent(t.app()).api('POST', '/account/api/login/code', { code: '123456' })).statusCode).toBe(401);
  });
});

describe.each(BACKENDS)('web account › two-factor failures count toward the login limits ($name)', (backend) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer({ backend, config: { signupsPerIp: 10_000 } });
  });
  afterAll(() => t.close());

  it('ASVS 6.3.1: wrong codes count with failed passwords; a correct password in between resets nothing; the fifth blocks the account (429), the right code and the password step too', async () => {
    const e = `limits-${backend.name}@example.com`;
    const { secret } = await enrolled(t, e);
    const b = await passwordStep(t, e);
    for (let i = 0; i < 4; i++) expect((await b.post('/account/login/code', { code: String(100000 + i) })).statusCode).toBe(401);
    // The password again: right, and not yet blocked, but it does not clear the four failures.
    const c = await passwordStep(t, e);
    expect((await c.post('/account/login/code', { code: '100004' })).statusCode).toBe(401);
    const blocked = await c.post('/account/login/code', { code: codeAt(secret, t.clock.now()) });
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await new AccountAgent(t.app()).login(e)).statusCode).toBe(429);
    expect((await c.get('/account/sandbox')).statusCode).toBe(303);
  });
});
