import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { SoftAuthenticator } from '../helpers/soft-authenticator.js';
import { createTestServer, type TestServer } from '../helpers/test-server.js';
import { AccountAgent } from './agent.js';

const ORIGIN = 'http://sandbox.test';
const RP_ID = 'sandbox.test';
const codeAt = (secret: string, seconds: number) => new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({ timestamp: seconds * 1000 });

interface Enrolled {
  email: string;
  a: AccountAgent;
  secret: string;
  key: SoftAuthenticator;
}

describe.each(BACKENDS)('web account › passkeys as a second factor, WebAuthn §7 ($name)', (backend) => {
  let t: TestServer;
  let n = 0;
  beforeAll(async () => {
    t = await createTestServer({ backend, config: { signupsPerIp: 10_000, loginFailuresPerAccountPerMinute: 10_000, loginFailuresPerIpPerMinute: 10_000 } });
  });
  afterAll(() => t.close());

  /** Signs up, turns on TOTP and adds a passkey through the routes the pages and app.js use. */
  async function enrolled(): Promise<Enrolled> {
    const email = `pk${++n}-${backend.name}@example.com`;
    const a = new AccountAgent(t.app());
    await a.signup(email);
    await a.post('/account/two-factor/setup');
    const page = await a.get('/account/two-factor/setup');
    const secret = /id="totp-secret" class="secret">([A-Z2-7 ]+)</.exec(page.body)![1]!.replace(/ /g, '');
    expect((await a.post('/account/two-factor/confirm', { code: codeAt(secret, t.clock.now()) })).statusCode).toBe(303);
    t.clock.advance(30);
    const key = new SoftAuthenticator();
    const options = await a.api('POST', '/account/passkeys/options');
    expect(options.statusCode).toBe(200);
    const created = options.json() as { challenge: string; rp: { id: string }; user: { name: string } };
    expect(created.rp.id).toBe(RP_ID);
    const res = await a.post('/account/passkeys', { name: 'Laptop', response: key.create(created, ORIGIN) });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
    expect(res.headers.location).toBe('/account/settings?done=passkey_added');
    return { email, a, secret, key };
  }

  /** A fresh browser past the password, waiting for its second step, with the options of a passkey assertion. */
  async function secondStep(email: string): Promise<{ b: AccountAgent; challenge: string }> {
    const b = new AccountAgent(t.app());
    expect((await b.login(email)).headers.location).toBe('/account/login/code');
    expect((await b.get('/account/login/code')).body).toContain('Use a passkey');
    const options = await b.api('POST', '/account/login/passkey/options');
    expect(options.statusCode).toBe(200);
    const body = options.json() as { challenge: string; allowCredentials: Array<{ id: string }> };
    return { b, challenge: body.challenge };
  }

  const signedIn = async (agent: AccountAgent) => (await agent.get('/account/sandbox')).statusCode === 200;

  it('a passkey assertion for this session’s challenge completes the sign-in; the counter and last use are stored', async () => {
    const { email, key } = await enrolled();
    const { b, challenge } = await secondStep(email);
    const res = await b.post('/account/login/passkey', { response: key.get(challenge, RP_ID, ORIGIN) });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/account');
    expect(await signedIn(b)).toBe(true);
    const merchant = (await t.store.merchants.findByEmail(email))!;
    const [stored] = await t.store.passkeys.listFor(merchant.id);
    expect(stored).toMatchObject({ name: 'Laptop', counter: 1, transports: ['internal'] });
    expect(stored!.lastUsedAt).toBe(t.clock.now());
    const actions = (await t.store.audit.listForMerchant(merchant.id, 20)).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['passkey_added', 'passkey_used', 'logged_in']));
  });

  it('wrong challenge: an assertion signed over another challenge is refused, audited, and signs in nobody', async () => {
    const { email, key } = await enrolled();
    const { b } = await secondStep(email);
    const res = await b.post('/account/login/passkey', { response: key.get('AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', RP_ID, ORIGIN) });
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain('That passkey could not be used');
    expect(await signedIn(b)).toBe(false);
    const merchant = (await t.store.merchants.findByEmail(email))!;
    expect((await t.store.audit.listForMerchant(merchant.id, 20)).map((e) => e.action)).toContain('passkey_failed');
  });

  it('replayed challenge: a challenge is used once, even by a correct assertion, and the session must ask for a new one', async () => {
    const { email, key } = await enrolled();
    const { b, challenge } = await secondStep(email);
    // The first try spends the challenge (a wrong origin), the same challenge signed correctly is then refused.
    expect((await b.post('/account/login/passkey', { response: key.get(challenge, RP_ID, 'http://evil.test') })).statusCode).toBe(401);
    expect((await b.post('/account/login/passkey', { response: key.get(challenge, RP_ID, ORIGIN) })).statusCode).toBe(401);
    expect(await signedIn(b)).toBe(false);
    const fresh = (await b.api('POST', '/account/login/passkey/options')).json() as { challenge: string };
    expect(fresh.challenge).not.toBe(challenge);
    expect((await b.post('/account/login/passkey', { response: key.get(fresh.challenge, RP_ID, ORIGIN) })).statusCode).toBe(303);
    expect(await signedIn(b)).toBe(true);
  });

  it('a challenge expires after two minutes', async () => {
    const { email, key } = await enrolled();
    const { b, challenge } = await secondStep(email);
    t.clock.advance(121);
    expect((await b.post('/account/login/passkey', { response: key.get(challenge, RP_ID, ORIGIN) })).statusCode).toBe(401);
    expect(await signedIn(b)).toBe(false);
  });

  it('another merchant’s credential: a valid assertion from someone else’s passkey does not sign this merchant in', async () => {
    const victim = await enrolled();
    const other = await enrolled();
    const { b, challenge } = await secondStep(victim.email);
    const res = await b.post('/account/login/passkey', { response: other.key.get(challenge, RP_ID, ORIGIN) });
    expect(res.statusCode).toBe(401);
    expect(await signedIn(b)).toBe(false);
  });

  it('signature counter: an assertion whose counter does not go up is refused (a cloned authenticator)', async () => {
    const { email, key } = await enrolled();
    const first = await secondStep(email);
    expect((await first.b.post('/account/login/passkey', { response: key.get(first.challenge, RP_ID, ORIGIN, { counter: 5 }) })).statusCode).toBe(303);
    const again = await secondStep(email);
    expect((await again.b.post('/account/login/passkey', { response: key.get(again.challenge, RP_ID, ORIGIN, { counter: 5 }) })).statusCode).toBe(401);
    expect(await signedIn(again.b)).toBe(false);
  });

  it('a registration answer for another session’s challenge is refused; nothing is stored', async () => {
    const { a } = await enrolled();
    const stranger = await enrolled();
    const options = (await a.api('POST', '/account/passkeys/options')).json() as { challenge: string; rp: { id: string } };
    const res = await stranger.a.post('/account/passkeys', { name: 'Stolen', response: new SoftAuthenticator().create(options, ORIGIN) });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('The passkey was not registered');
    const merchant = (await t.store.merchants.findByEmail(stranger.email))!;
    expect(await t.store.passkeys.count(merchant.id)).toBe(1);
  });

  it('adding a passkey needs two-factor sign-in on, and a recent sign-in', async () => {
    const a = new AccountAgent(t.app());
    await a.signup(`pk-plain${++n}-${backend.name}@example.com`);
    expect((await a.api('POST', '/account/passkeys/options')).statusCode).toBe(400);
    const { a: b } = await enrolled();
    t.clock.advance(6 * 60);
    expect((await b.api('POST', '/account/passkeys/options')).statusCode).toBe(403);
    expect((await b.get('/account/passkeys/new')).headers.location).toBe('/account/settings');
  });

  it('removing a passkey needs the password and a current code; another merchant’s passkey cannot be removed', async () => {
    const { email, a, secret, key } = await enrolled();
    const other = await enrolled();
    expect((await a.post('/account/passkeys/remove', { credential_id: key.id, password: 'correct horse battery staple', code: '000000' })).statusCode).toBe(403);
    t.clock.advance(30);
    const foreign = await a.post('/account/passkeys/remove', { credential_id: other.key.id, password: 'correct horse battery staple', code: codeAt(secret, t.clock.now()) });
    expect(foreign.statusCode).toBe(400);
    expect(await t.store.passkeys.count((await t.store.merchants.findByEmail(other.email))!.id)).toBe(1);
    t.clock.advance(30);
    const res = await a.post('/account/passkeys/remove', { credential_id: key.id, password: 'correct horse battery staple', code: codeAt(secret, t.clock.now()) });
    expect(res.headers.location).toBe('/account/settings?done=passkey_removed');
    const merchant = (await t.store.merchants.findByEmail(email))!;
    expect(await t.store.passkeys.count(merchant.id)).toBe(0);
    expect((await new AccountAgent(t.app()).login(email)).headers.location).toBe('/account/login/code');
  });

  it('turning two-factor sign-in off removes the passkeys too', async () => {
    const { email, a, secret } = await enrolled();
    t.clock.advance(30);
    const res = await a.post('/account/two-factor/disable', { password: 'correct horse battery staple', code: codeAt(secret, t.clock.now()) });
    expect(res.headers.location).toBe('/account/settings?done=two_factor_off');
    expect(await t.store.passkeys.count((await t.store.merchants.findByEmail(email))!.id)).toBe(0);
  });
});
