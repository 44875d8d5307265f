import { Secret, TOTP } from 'otpauth';
import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Environment } from '../../src/storage/types.js';
import { EVENT_TYPES } from '../../src/webhooks/events.js';
import { BACKENDS } from '../helpers/backends.js';
import { call, createWebhookTestServer, startReceiver, type WebhookTestServer } from '../webhooks/helpers.js';
import { AccountAgent } from './agent.js';

const PASSWORD = 'correct horse battery staple';
const COMPLETED = EVENT_TYPES[0]!;
const hmac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');
const v1s = (header: string) => header.split(',').filter((p) => p.startsWith('v1=')).map((p) => p.slice(3));

describe.each(BACKENDS)('web account › webhooks ($name)', (backend) => {
  let t: WebhookTestServer;
  let n = 0;
  const receivers: Array<Awaited<ReturnType<typeof startReceiver>>> = [];
  beforeAll(async () => {
    t = await createWebhookTestServer({ backend, config: { signupsPerIp: 10_000, accessTokenTtl: 30 * 24 * 3600 } });
  });
  afterAll(() => t.close());
  afterEach(async () => {
    while (receivers.length) await receivers.pop()!.close();
  });

  /**
   * A signed-in merchant whose credential registered a webhook (to a receiver answering `respond`) subscribed to
   * pos.payment.completed for terminal TID00042, through the Webhook API.
   */
  async function merchant(environment: Environment = 'sandbox', respond?: Parameters<typeof startReceiver>[0]) {
    const email = `hooks${++n}-${backend.name}@example.com`;
    const agent = new AccountAgent(t.app());
    await agent.signup(email);
    const merchantId = (await t.store.merchants.findByEmail(email))!.id;
    const r = await startReceiver(respond);
    receivers.push(r);
    const { auth } = await t.credential({ merchantId, environment });
    // Production wants https to a public host; the page shows what is stored, so a sandbox receiver is enough there.
    const url = environment === 'sandbox' ? r.url : 'https://hooks.example.com/mypos';
    const hook = (await call(t.app(environment), 'POST', '/v1/webhooks', auth, { payload_url: url, secret: 'first-secret-0001' })).json();
    const sub = (await call(t.app(environment), 'POST', '/v1/subscriptions', auth, { event_id: COMPLETED.id, filter: { tids: ['TID00042'] } })).json();
    const fake = async () => (await call(t.app(), 'POST', `/v1/subscriptions/${sub.id}/fake`, auth)).json();
    return { agent, merchantId, auth, hook, sub, r, fake, base: `/account/${environment}/webhooks/${hook.id}` };
  }

  it('the list and the webhook page show the webhook, its subscriptions and a failed delivery with its code and error', async () => {
    const m = await merchant('sandbox', () => 302);
    const queued = await m.fake();
    await t.server.webhooks.worker.runDue();

    const list = await m.agent.get('/account/sandbox/webhooks');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain(`href="${m.base}"`);
    expect(list.body).toContain(m.r.url);
    expect(list.body).toContain('pos.payment.completed');
    // Production is its own list.
    expect((await m.agent.get('/account/production/webhooks')).body).toContain('No production webhooks yet.');

    const page = await m.agent.get(m.base);
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toContain('no-store');
    expect(page.body).toContain('terminals TID00042');
    expect(page.body).toContain(m.sub.id);
    expect(page.body).toMatch(/<td data-label="Status">Retrying<\/td>\s*<td data-label="Attempts" class="num">1<\/td>\s*<td data-label="Last response" class="num">302<\/td>\s*<td data-label="Error">redirect not followed<\/td>/);
    expect(page.body).not.toContain('first-secret-0001');

    const delivery = await m.agent.get(`/account/sandbox/deliveries/${queued.id}`);
    expect(delivery.statusCode).toBe(200);
    expect(delivery.body).toContain('<dd id="delivery-code">302</dd>');
    expect(delivery.body).toContain('<dd id="delivery-error">redirect not followed</dd>');
    // The payload, indented, escaped by the template (a JSON string's quotes become &quot;).
    expect(delivery.body).toContain('&quot;event&quot;: &quot;pos.payment.completed&quot;');
    expect(delivery.body).toContain('&quot;tid&quot;: &quot;TID00042&quot;');
  });

  it('resend calls the Webhook API’s resend: the receiver gets it again at once; a reload or a repeated form sends nothing', async () => {
    const m = await merchant('sandbox', (i) => (i === 0 ? 500 : 204));
    const queued = await m.fake();
    await t.server.webhooks.worker.runDue();
    expect(m.r.received).toHaveLength(1);
    const form = { _form: 'BBBBBBBBBBBBBBBBBBBBBB' };
    const res = await m.agent.post(`/account/sandbox/deliveries/${queued.id}/resend`, form);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/account/sandbox/deliveries/${queued.id}?done=resent`);
    expect(m.r.received).toHaveLength(2);
    expect(m.r.received[1]!.headers['x-mypos-delivery']).toBe(queued.id);
    expect(m.r.received[1]!.body).toBe(m.r.received[0]!.body);

    const page = await m.agent.get(res.headers.location as string);
    expect(page.body).toContain('Sent again.');
    expect(page.body).toContain('<dd id="delivery-status">Delivered</dd>');
    expect(page.body).toMatch(/sent again by hand<\/td>\s*<td data-label="Outcome">acknowledged<\/td>\s*<td data-label="Response" class="num">204/);
    // The Webhook API sees the same attempt.
    expect((await call(t.app(), 'GET', `/v1/notifications/${queued.id}`, m.auth)).json().status).toBe('delivered');

    await m.agent.get(res.headers.location as string);
    const repeat = await m.agent.post(`/account/sandbox/deliveries/${queued.id}/resend`, form);
    expect(repeat.headers.location).toBe(res.headers.location);
    expect(m.r.received).toHaveLength(2);
    const events = (await m.agent.api('GET', '/account/api/audit')).json().events as Array<{ action: string; detail: Record<string, unknown> }>;
    expect(events.filter((e) => e.action === 'webhook.delivery_resent')).toHaveLength(1);
    expect(events[0]!.detail).toMatchObject({ notification_id: queued.id, ok: true, response_code: 204 });
    expect((await m.agent.get('/account/activity')).body).toContain('Delivery sent again');
  });

  it('pause holds deliveries (they wait, none fails) and resume sends them; each is audited once, a repeat changes nothing', async () => {
    const m = await merchant();
    const paused = await m.agent.post(`${m.base}/pause`);
    expect(paused.statusCode).toBe(303);
    expect(paused.headers.location).toBe(`${m.base}?done=paused`);
    const page = await m.agent.get(paused.headers.location as string);
    expect(page.body).toContain('The webhook is paused.');
    expect(page.body).toContain('Resume webhook');
    expect((await call(t.app(), 'GET', `/v1/webhooks/${m.hook.id}`, m.auth)).json().paused_on).not.toBeNull();

    const queued = await m.fake();
    // An hour later (the session's idle limit is two), still waiting.
    t.clock.advance(3600);
    await t.server.webhooks.worker.runDue();
    expect(m.r.received).toHaveLength(0);
    expect((await m.agent.get(`/account/sandbox/deliveries/${queued.id}`)).body).toContain('Waiting (webhook paused)');
    // Pausing again changes nothing and writes no second audit row.
    expect((await m.agent.post(`${m.base}/pause`)).statusCode).toBe(303);

    const resumed = await m.agent.post(`${m.base}/resume`);
    expect(resumed.headers.location).toBe(`${m.base}?done=resumed`);
    await t.server.webhooks.worker.runDue();
    expect(m.r.received).toHaveLength(1);
    expect(m.r.received[0]!.headers['x-mypos-delivery']).toBe(queued.id);
    expect((await m.agent.get(`/account/sandbox/deliveries/${queued.id}`)).body).toContain('<dd id="delivery-status">Delivered</dd>');

    const events = (await m.agent.api('GET', '/account/api/audit')).json().events as Array<{ action: string; environment: string; detail: Record<string, unknown> }>;
    expect(events.filter((e) => e.action.startsWith('webhook.')).map((e) => e.action)).toEqual(['webhook.resumed', 'webhook.paused']);
    expect(events[0]!.detail).toMatchObject({ webhook_id: m.hook.id, payload_url: m.r.url });
    const activity = await m.agent.get('/account/activity');
    expect(activity.body).toContain('Webhook paused');
    expect(activity.body).toContain(`${m.r.url}: waiting deliveries sent`);
  });

  it('roll: the new secret is shown once (a reload gets 410 and no secret); the old one signs beside it during the overlap', async () => {
    const m = await merchant();
    const rolled = await m.agent.post(`${m.base}/roll-secret`, { grace_seconds: '3600' });
    expect(rolled.statusCode).toBe(303);
    const reveal = rolled.headers.location as string;
    expect(reveal).toMatch(/^\/account\/secrets\/[0-9a-f]{64}$/);
    const shown = await m.agent.get(reveal);
    expect(shown.statusCode).toBe(200);
    expect(shown.headers['cache-control']).toContain('no-store');
    const secret = /id="webhook-secret" class="secret">([A-Za-z0-9]{32})</.exec(shown.body)?.[1];
    expect(secret).toBeDefined();
    expect(shown.body).toContain('The old secret keeps signing deliveries beside it until');

    const again = await m.agent.get(reveal);
    expect(again.statusCode).toBe(410);
    expect(again.body).not.toContain(secret!);
    expect(again.body).toContain(`href="${m.base}"`);
    for (const url of [m.base, '/account/sandbox/webhooks', '/account/activity']) expect((await m.agent.get(url)).body, url).not.toContain(secret!);
    expect((await m.agent.get(m.base)).body).toContain('rolled: the previous secret also signs until');

    await m.fake();
    await t.server.webhooks.worker.runDue();
    const d = m.r.received[0]!;
    expect(v1s(d.headers['x-mypos-signature'] as string)).toEqual([hmac(secret!, d.body), hmac('first-secret-0001', d.body)]);

    const events = (await m.agent.api('GET', '/account/api/audit')).json().events as Array<{ action: string; detail: Record<string, unknown> }>;
    expect(events[0]).toMatchObject({ action: 'webhook.secret_rolled', detail: { grace_seconds: 3600, webhook_id: m.hook.id } });
    expect(JSON.stringify(events)).not.toContain(secret!);
  });

  it('roll refuses an overlap outside 0 to 7 days with the page and a message; nothing changes', async () => {
    const m = await merchant();
    for (const grace of ['604801', '-1', 'soon', '']) {
      const res = await m.agent.post(`${m.base}/roll-secret`, { grace_seconds: grace });
      expect(res.statusCode, grace).toBe(400);
      expect(res.body).toContain('Roll the secret');
    }
    expect((await call(t.app(), 'GET', `/v1/webhooks/${m.hook.id}`, m.auth)).json().previous_secret_expires_on).toBeNull();
    expect((await m.agent.api('GET', '/account/api/audit')).json().events.map((e: { action: string }) => e.action)).not.toContain('webhook.secret_rolled');
  });

  it('ASVS 7.5.1: with two-factor sign-in on, production webhook changes ask for a current code as well', async () => {
    const m = await merchant('production');
    expect((await m.agent.post('/account/two-factor/setup')).statusCode).toBe(303);
    const setup = (await m.agent.get('/account/two-factor/setup')).body;
    const secret = /id="totp-secret" class="secret">([A-Z2-7 ]+)</.exec(setup)![1]!.replace(/ /g, '');
    const code = () => new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({ timestamp: t.clock.now() * 1000 });
    expect((await m.agent.post('/account/two-factor/confirm', { code: code() })).statusCode).toBe(303);
    t.clock.advance(6 * 60);
    expect((await m.agent.get(m.base)).body).toContain('id="pause-password-code"');
    const passwordOnly = await m.agent.post(`${m.base}/pause`, { password: PASSWORD });
    expect(passwordOnly.statusCode).toBe(403);
    expect((await call(t.app('production'), 'GET', `/v1/webhooks/${m.hook.id}`, m.auth)).json().paused_on).toBeNull();
    expect((await m.agent.post(`${m.base}/pause`, { password: PASSWORD, code: code() })).statusCode).toBe(303);
    expect((await call(t.app('production'), 'GET', `/v1/webhooks/${m.hook.id}`, m.auth)).json().paused_on).not.toBeNull();
  });

  it('ASVS 7.5.1: production pause, resume, roll and resend ask for the password again once the login is older than 5 minutes', async () => {
    const m = await merchant('production');
    t.clock.advance(6 * 60);
    const page = await m.agent.get(m.base);
    expect(page.body).toContain('id="pause-password"');
    expect(page.body).toContain('id="roll-password"');
    const refused = await m.agent.post(`${m.base}/pause`);
    expect(refused.statusCode).toBe(403);
    expect(refused.body).toContain('Enter your password again');
    expect((await m.agent.post(`${m.base}/roll-secret`, { grace_seconds: '0', password: 'not my password' })).statusCode).toBe(403);
    expect((await call(t.app('production'), 'GET', `/v1/webhooks/${m.hook.id}`, m.auth)).json()).toMatchObject({ paused_on: null, previous_secret_expires_on: null });

    // A production delivery is not sent again without the password either.
    expect(await t.server.webhooks.publish({ owner: `merchant:${m.merchantId}`, environment: 'production' }, COMPLETED.name, { tid: 'TID00042' }, { tid: 'TID00042' })).toBe(1);
    const [delivery] = (await t.store.webhooks.listNotifications({ owner: `merchant:${m.merchantId}`, environment: 'production' }, { offset: 0, limit: 1 })).items;
    const resend = await m.agent.post(`/account/production/deliveries/${delivery!.id}/resend`);
    expect(resend.statusCode).toBe(403);
    expect(resend.body).toContain('Enter your password again');
    expect(await t.store.webhooks.listAttempts(delivery!.id)).toEqual([]);
    expect((await m.agent.post(`${m.base}/pause`, { password: PASSWORD })).statusCode).toBe(303);
    expect((await call(t.app('production'), 'GET', `/v1/webhooks/${m.hook.id}`, m.auth)).json().paused_on).not.toBeNull();
    // The correct password renewed the window: the next change does not ask.
    expect((await m.agent.post(`${m.base}/resume`)).statusCode).toBe(303);
    // The sandbox never asks.
    const s = await merchant('sandbox');
    t.clock.advance(6 * 60);
    expect((await s.agent.post(`${s.base}/pause`)).statusCode).toBe(303);
  });

  it('isolation: another merchant’s webhook and delivery ids, or the other environment’s, get 404 and change nothing', async () => {
    const owner = await merchant();
    const queued = await owner.fake();
    const intruder = await merchant();
    for (const url of [owner.base, `/account/sandbox/deliveries/${queued.id}`, `/account/production/webhooks/${owner.hook.id}`, '/account/sandbox/webhooks/not-a-uuid']) {
      const res = await intruder.agent.get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.body, url).not.toContain(owner.r.url);
    }
    // The owner's own id in the other environment's URL is not found either.
    expect((await owner.agent.get(`/account/production/deliveries/${queued.id}`)).statusCode).toBe(404);
    expect((await intruder.agent.post(`/account/sandbox/deliveries/${queued.id}/resend`)).statusCode).toBe(404);
    expect(owner.r.received).toHaveLength(0);
    for (const action of ['pause', 'resume', 'roll-secret']) {
      expect((await intruder.agent.post(`${owner.base}/${action}`, { grace_seconds: '0' })).statusCode, action).toBe(404);
    }
    expect((await call(t.app(), 'GET', `/v1/webhooks/${owner.hook.id}`, owner.auth)).json()).toMatchObject({ paused_on: null, previous_secret_expires_on: null });
    expect((await intruder.agent.api('GET', '/account/api/audit')).json().events.map((e: { action: string }) => e.action)).not.toContain('webhook.paused');
    // Their own list does not show the owner's webhook.
    expect((await intruder.agent.get('/account/sandbox/webhooks')).body).not.toContain(owner.r.url);
  });

  it('forms are CSRF-protected and act once: a repeated form redirects like the first and writes one audit row', async () => {
    const m = await merchant();
    expect((await m.agent.post(`${m.base}/pause`, {}, { csrf: false })).statusCode).toBe(403);
    expect((await call(t.app(), 'GET', `/v1/webhooks/${m.hook.id}`, m.auth)).json().paused_on).toBeNull();
    const form = { _form: 'AAAAAAAAAAAAAAAAAAAAAA' };
    const first = await m.agent.post(`${m.base}/roll-secret`, { ...form, grace_seconds: '0' });
    const repeat = await m.agent.post(`${m.base}/roll-secret`, { ...form, grace_seconds: '0' });
    expect(repeat.statusCode).toBe(303);
    expect(repeat.headers.location).toBe(first.headers.location);
    const events = (await m.agent.api('GET', '/account/api/audit')).json().events as Array<{ action: string }>;
    expect(events.filter((e) => e.action === 'webhook.secret_rolled')).toHaveLength(1);
    // GET on an action URL changes nothing.
    expect((await m.agent.get(`${m.base}/pause`)).statusCode).toBe(404);
  });

  it('a bad page number is a 400 with a message, never a 500', async () => {
    const m = await merchant();
    for (const p of ['0', 'x', '-1', '99999999']) expect((await m.agent.get(`${m.base}?page=${p}`)).statusCode, p).toBe(400);
    expect((await m.agent.get(`${m.base}?page=2`)).statusCode).toBe(200);
  });
});
