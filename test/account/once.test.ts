import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';
import { AccountAgent } from './agent.js';
import { basic, createTestServer, postForm, type TestServer } from '../helpers/test-server.js';

const PASSWORD = 'correct horse battery staple';
/** A form nonce as a page renders one (22 base64url characters), named for the test. */
const nonce = (label: string) => label.padEnd(22, '0').slice(0, 22);
const SECRET_ON_PAGE = /id="client-secret" class="secret">([A-Za-z0-9]{48})</;

/**
 * PRG and once-only forms: a reload, Back, a double click or a second tab must never repeat an action nor show a
 * secret twice. Forms answer 303 (POST → redirect → GET), a new secret sits behind a one-time reference, and
 * a repeat of one rendered form (same nonce) acts once. Secrets on the credential page: hints, last use per secret,
 * expiring the previous secret now, editing scopes.
 */
describe.each(BACKENDS)('web account › once-only forms and once-shown secrets ($name)', (backend) => {
  let t: TestServer;
  let n = 0;
  const newMerchant = async () => {
    const a = new AccountAgent(t.app());
    await a.signup(`once${++n}-${backend.name}@example.com`);
    return a;
  };
  const token = (id: string, secret: string) => postForm(t.app(), '/oauth/token', 'grant_type=client_credentials', { authorization: basic(id, secret) });
  const actions = async (clientId: string) => (await t.store.audit.listForClient(clientId, 50)).map((e) => e.action).reverse();

  beforeAll(async () => {
    t = await createTestServer({ backend, config: { signupsPerIp: 10_000 } });
  });
  afterAll(() => t.close());

  it('PRG / once-only: generate answers 303 to a one-time page; the first GET shows the secret, a reload gets 410 "already shown" without it', async () => {
    const a = await newMerchant();
    const post = await a.post('/account/sandbox/credentials', { name: 'Shop', scope_webhooks: '1' });
    expect(post.statusCode).toBe(303);
    expect(post.body).not.toMatch(/[A-Za-z0-9]{48}/);
    const location = post.headers.location as string;
    expect(location).toMatch(/^\/account\/secrets\/[0-9a-f]{64}$/);
    const first = await a.get(location);
    expect(first.statusCode).toBe(200);
    expect(first.headers['cache-control']).toBe('no-store');
    const secret = SECRET_ON_PAGE.exec(first.body)![1]!;
    const reload = await a.get(location);
    expect(reload.statusCode).toBe(410);
    expect(reload.body).toContain('This secret was already shown');
    expect(reload.body).not.toContain(secret);
    const id = /id="client-id">([A-Za-z0-9]{24})</.exec(first.body)![1]!;
    expect(await actions(id)).toEqual(['created']);
    expect((await token(id, secret)).statusCode).toBe(200);
  });

  it('PRG / once-only: another session (a second browser) cannot open the reference; an unknown or expired one is 404', async () => {
    const a = await newMerchant();
    const post = await a.post('/account/sandbox/credentials', { name: 'Shop', scope_webhooks: '1' });
    const location = post.headers.location as string;
    const b = await newMerchant();
    const other = await b.get(location);
    expect(other.statusCode).toBe(404);
    expect(other.body).not.toMatch(SECRET_ON_PAGE);
    expect((await a.get(`/account/secrets/${randomBytes(32).toString('hex')}`)).statusCode).toBe(404);
    t.clock.advance(5 * 60);
    expect((await a.get(location)).statusCode).toBe(404);
  });

  it('PRG / once-only: the same rendered form sent twice at once (double click) rotates once; both answers redirect to the same one-time page', async () => {
    const a = await newMerchant();
    const { id, secret: old } = await a.generate('sandbox');
    const csrf = await a.csrf();
    const form = { grace_seconds: '3600', _form: nonce('double-click') };
    const [x, y] = await Promise.all([a.post(`/account/credentials/${id}/rotate`, form, { csrf }), a.post(`/account/credentials/${id}/rotate`, form, { csrf })]);
    expect([x.statusCode, y.statusCode]).toEqual([303, 303]);
    expect(x.headers.location).toBe(y.headers.location);
    expect(await actions(id)).toEqual(['created', 'rotated']);
    const fresh = SECRET_ON_PAGE.exec((await a.get(x.headers.location as string)).body)![1]!;
    // The grace period the merchant chose holds: the first secret still works, and so does the one shown.
    expect((await token(id, old)).statusCode).toBe(200);
    expect((await token(id, fresh)).statusCode).toBe(200);
    // Sent again later (Back and resubmit of that same page): still once.
    const later = await a.post(`/account/credentials/${id}/rotate`, form, { csrf });
    expect(later.headers.location).toBe(x.headers.location);
    expect(await actions(id)).toEqual(['created', 'rotated']);
  });

  it('PRG / once-only: a repeated generate, rename, revoke, scopes, expire and delete form each act once', async () => {
    const a = await newMerchant();
    const csrf = await a.csrf();
    const twice = async (url: string, form: Record<string, string>) => {
      const res = await Promise.all([a.post(url, form, { csrf }), a.post(url, form, { csrf })]);
      expect(res.map((r) => r.statusCode), url).toEqual([303, 303]);
      expect(res[0]!.headers.location, url).toBe(res[1]!.headers.location);
      return res[0]!;
    };
    const gen = await twice('/account/sandbox/credentials', { name: 'Twice', scope_webhooks: '1', _form: nonce('generate') });
    expect((await t.store.clients.list({ environment: 'sandbox' })).filter((c) => c.name === 'Twice')).toHaveLength(1);
    const id = /id="client-id">([A-Za-z0-9]{24})</.exec((await a.get(gen.headers.location as string)).body)![1]!;
    await twice(`/account/credentials/${id}/rename`, { name: 'Renamed', _form: nonce('rename') });
    await twice(`/account/credentials/${id}/revoke-tokens`, { _form: nonce('revoke') });
    await twice(`/account/credentials/${id}/scopes`, { scope_devices: '1', _form: nonce('scopes') });
    await twice(`/account/credentials/${id}/rotate`, { grace_seconds: '3600', _form: nonce('rotate') });
    await twice(`/account/credentials/${id}/expire-previous`, { _form: nonce('expire') });
    await twice(`/account/credentials/${id}/delete`, { _form: nonce('delete') });
    expect(await actions(id)).toEqual(['created', 'renamed', 'tokens_revoked', 'scopes_changed', 'rotated', 'previous_secret_expired', 'deleted']);
  });

  it('PRG / once-only: a form without its nonce, or with a malformed one, changes nothing (400)', async () => {
    const a = await newMerchant();
    const { id } = await a.generate('sandbox');
    for (const nonce of ['', 'short', 'x'.repeat(23), 'bad nonce with spaces!']) {
      const res = await a.post(`/account/credentials/${id}/rename`, { name: 'X', _form: nonce });
      expect(res.statusCode, nonce).toBe(400);
    }
    expect(await actions(id)).toEqual(['created']);
  });

  it('PRG / once-only: a form that failed (bad input) can be corrected and sent again with the same nonce', async () => {
    const a = await newMerchant();
    const { id } = await a.generate('sandbox');
    const bad = await a.post(`/account/credentials/${id}/rename`, { name: '   ', _form: nonce('fix-and-resend') });
    expect(bad.statusCode).toBe(400);
    const good = await a.post(`/account/credentials/${id}/rename`, { name: 'Fixed', _form: nonce('fix-and-resend') });
    expect(good.statusCode).toBe(303);
    expect(await actions(id)).toEqual(['created', 'renamed']);
  });

  it('per-secret details: each secret shows its last 4 characters and its own last use; during a grace the old one is listed with its use', async () => {
    const a = await newMerchant();
    const { id, secret: old } = await a.generate('sandbox');
    const detail = await a.get(`/account/credentials/${id}`);
    expect(detail.body).toContain(`…${old.slice(-4)}</code>: <strong>active</strong>, last used <span class="muted">never</span>`);
    expect(detail.body).not.toContain(old.slice(-5));
    expect((await token(id, old)).statusCode).toBe(200);
    await t.server.usage.flush({ force: true });
    const usedAt = t.clock.now();
    const fresh = SECRET_ON_PAGE.exec((await a.followSecret(await a.post(`/account/credentials/${id}/rotate`, { grace_seconds: '3600' }))).body)![1]!;
    t.clock.advance(120);
    const after = await a.get(`/account/credentials/${id}`);
    expect(after.body).toMatch(new RegExp(`id="current-secret">Current secret <code[^>]*>…${fresh.slice(-4)}</code>: <strong>active</strong>, last used <span class="muted">never</span>`));
    expect(after.body).toMatch(new RegExp(`id="previous-secret">Previous secret <code[^>]*>…${old.slice(-4)}</code>: works until .*, last used <time datetime="${new Date(usedAt * 1000).toISOString()}"`));
    // The old secret used during the grace: its own time moves, the new one's stays "never".
    expect((await token(id, old)).statusCode).toBe(200);
    await t.server.usage.flush({ force: true });
    const oldUse = new Date(t.clock.now() * 1000).toISOString();
    const page = (await a.get(`/account/credentials/${id}`)).body;
    expect(page).toMatch(new RegExp(`id="previous-secret">.*last used <time datetime="${oldUse}"`));
    expect(page).toMatch(/id="current-secret">.*last used <span class="muted">never<\/span>/);
    // Only the four characters are stored, nothing else of either secret.
    const rows = await t.store.clients.secretDetails([id]);
    expect(rows.get(id)).toMatchObject({ hint: fresh.slice(-4), previousHint: old.slice(-4) });
  });

  it('per-secret details: "Expire the previous secret now" ends the grace at once, is audited, and needs the password again in production', async () => {
    const a = await newMerchant();
    const { id, secret: old } = await a.generate('sandbox');
    await a.post(`/account/credentials/${id}/rotate`, { grace_seconds: '86400' });
    expect((await a.get(`/account/credentials/${id}`)).body).toContain('Expire the previous secret now');
    expect((await token(id, old)).statusCode).toBe(200);
    const res = await a.post(`/account/credentials/${id}/expire-previous`);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/account/credentials/${id}?done=expired`);
    expect((await token(id, old)).statusCode).toBe(401);
    const page = (await a.get(res.headers.location as string)).body;
    expect(page).toContain('The previous secret no longer works.');
    expect(page).not.toContain('Expire the previous secret now');
    expect(await actions(id)).toEqual(['created', 'rotated', 'previous_secret_expired']);
    // Nothing left to expire: a clear message, no audit row.
    expect((await a.post(`/account/credentials/${id}/expire-previous`)).statusCode).toBe(400);

    const prod = await a.generate('production', 'Live', { password: PASSWORD });
    await a.post(`/account/credentials/${prod.id}/rotate`, { grace_seconds: '3600', password: PASSWORD });
    t.clock.advance(6 * 60);
    expect((await a.post(`/account/credentials/${prod.id}/expire-previous`)).statusCode).toBe(403);
    expect((await a.post(`/account/credentials/${prod.id}/expire-previous`, { password: PASSWORD })).statusCode).toBe(303);
    expect(await actions(prod.id)).toEqual(['created', 'rotated', 'previous_secret_expired']);
  });

  it('per-secret details: editing scopes is audited with before and after; new tokens get the new scopes; production asks for the password', async () => {
    const a = await newMerchant();
    const { id, secret } = await a.generate('sandbox');
    const res = await a.post(`/account/credentials/${id}/scopes`, { scope_transactions: '1', scope_devices: '1' });
    expect(res.headers.location).toBe(`/account/credentials/${id}?done=scopes`);
    const events = await t.store.audit.listForClient(id, 10);
    expect(events[0]).toMatchObject({ action: 'scopes_changed', detail: { from: ['webhooks'], to: ['transactions', 'devices'] } });
    expect((await token(id, secret)).json().scope).toBe('transactions devices');
    expect((await a.post(`/account/credentials/${id}/scopes`, {})).statusCode).toBe(400);
    // The same scopes again: nothing to record.
    await a.post(`/account/credentials/${id}/scopes`, { scope_transactions: '1', scope_devices: '1' });
    expect(await actions(id)).toEqual(['created', 'scopes_changed']);
    const activity = (await a.get('/account/activity')).body;
    expect(activity).toContain('Scopes changed');
    expect(activity).toContain('webhooks → transactions devices');

    // The JSON API does the same, and shows each secret's hint and last use.
    const api = await a.api('POST', `/account/api/credentials/${id}/scopes`, { scopes: ['webhooks'] });
    expect(api.json()).toMatchObject({ scope: 'webhooks', secret_hint: secret.slice(-4), previous_secret_hint: null });
    expect(await actions(id)).toEqual(['created', 'scopes_changed', 'scopes_changed']);
    await a.api('POST', `/account/api/credentials/${id}/rotate`, { grace_seconds: 600 });
    const expired = await a.api('POST', `/account/api/credentials/${id}/expire-previous`);
    expect(expired.json()).toMatchObject({ previous_secret_expires_at: null });
    expect((await a.api('POST', `/account/api/credentials/${id}/expire-previous`)).statusCode).toBe(400);

    const prod = await a.generate('production', 'Live', { password: PASSWORD });
    t.clock.advance(6 * 60);
    expect((await a.post(`/account/credentials/${prod.id}/scopes`, { scope_devices: '1' })).statusCode).toBe(403);
    expect((await a.api('POST', `/account/api/credentials/${prod.id}/scopes`, { scopes: ['devices'] })).statusCode).toBe(403);
    expect((await a.post(`/account/credentials/${prod.id}/scopes`, { scope_devices: '1', password: PASSWORD })).statusCode).toBe(303);
  });
});
