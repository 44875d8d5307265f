import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/webhooks/events.js';
import { BACKENDS } from '../helpers/backends.js';
import { call, createWebhookTestServer, startReceiver, type WebhookTestServer } from './helpers.js';

const COMPLETED = EVENT_TYPES[0]!;
const DAY = 24 * 3600;
const v1s = (header: string) => header.split(',').filter((p) => p.startsWith('v1=')).map((p) => p.slice(3));
const hmac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');

describe.each(BACKENDS)('webhooks › pause, resume and secret roll as the Web Account does them, on $name', (backend) => {
  let t: WebhookTestServer;
  const receivers: Array<Awaited<ReturnType<typeof startReceiver>>> = [];
  beforeAll(async () => {
    t = await createWebhookTestServer({ backend, config: { accessTokenTtl: 30 * DAY } });
  });
  afterAll(() => t.close());
  afterEach(async () => {
    while (receivers.length) await receivers.pop()!.close();
  });

  /** A merchant with one webhook subscribed to pos.payment.completed, and a receiver answering `respond`. */
  async function merchantWithWebhook(respond?: Parameters<typeof startReceiver>[0]) {
    const r = await startReceiver(respond);
    receivers.push(r);
    const merchantId = `m${Math.random().toString(36).slice(2)}`;
    const { auth } = await t.credential({ merchantId });
    const hook = (await call(t.app(), 'POST', '/v1/webhooks', auth, { payload_url: r.url, secret: 'first-secret-0001' })).json();
    const sub = (await call(t.app(), 'POST', '/v1/subscriptions', auth, { event_id: COMPLETED.id })).json();
    const fake = async () => (await call(t.app(), 'POST', `/v1/subscriptions/${sub.id}/fake`, auth)).json();
    const notification = async (id: string) => (await call(t.app(), 'GET', `/v1/notifications/${id}`, auth)).json();
    return { r, merchantId, auth, hook, fake, notification };
  }

  it('a paused webhook queues its events and sends none; the Webhook API shows paused_on; on resume they go out', async () => {
    const m = await merchantWithWebhook();
    const hooks = t.server.webhooks.console;
    expect((await hooks.pause(m.merchantId, 'sandbox', m.hook.id))!.changed).toBe(true);
    expect((await call(t.app(), 'GET', `/v1/webhooks/${m.hook.id}`, m.auth)).json().paused_on).toBe(new Date(t.clock.now() * 1000).toUTCString());
    const queued = await m.fake();
    await t.server.webhooks.worker.runDue();
    expect(m.r.received).toHaveLength(0);
    expect((await m.notification(queued.id)).status).toBe('pending');

    expect((await hooks.resume(m.merchantId, 'sandbox', m.hook.id))!.changed).toBe(true);
    await t.server.webhooks.worker.runDue();
    expect(m.r.received).toHaveLength(1);
    expect(m.r.received[0]!.headers['x-mypos-delivery']).toBe(queued.id);
    expect((await m.notification(queued.id)).status).toBe('delivered');
    expect((await call(t.app(), 'GET', `/v1/webhooks/${m.hook.id}`, m.auth)).json().paused_on).toBeNull();
  });

  it('a pause longer than the 3-day retry window fails nothing: the give-up time moves on by the time paused', async () => {
    const m = await merchantWithWebhook((n) => (n < 2 ? 500 : 204));
    const queued = await m.fake();
    await t.server.webhooks.worker.runDue();
    expect((await m.notification(queued.id)).retry_count).toBe(1);
    await t.server.webhooks.console.pause(m.merchantId, 'sandbox', m.hook.id);
    t.clock.advance(5 * DAY);
    await t.server.webhooks.worker.runDue();
    expect(m.r.received).toHaveLength(1);
    expect((await m.notification(queued.id)).status).toBe('pending');

    // The first attempt after the pause fails too: still inside the (moved) window, so it is retried, not given up.
    await t.server.webhooks.console.resume(m.merchantId, 'sandbox', m.hook.id);
    await t.server.webhooks.worker.runDue();
    expect(m.r.received).toHaveLength(2);
    const retried = await m.notification(queued.id);
    expect(retried.status).toBe('pending');
    t.clock.t = Date.parse(retried.next_attempt_on) / 1000;
    await t.server.webhooks.worker.runDue();
    expect(m.r.received).toHaveLength(3);
    expect((await m.notification(queued.id)).status).toBe('delivered');
  });

  it('pausing twice and resuming an unpaused webhook change nothing; another merchant’s or an unknown id is not found', async () => {
    const m = await merchantWithWebhook();
    const other = await merchantWithWebhook();
    const hooks = t.server.webhooks.console;
    expect((await hooks.resume(m.merchantId, 'sandbox', m.hook.id))!.changed).toBe(false);
    expect((await hooks.pause(m.merchantId, 'sandbox', m.hook.id))!.changed).toBe(true);
    expect((await hooks.pause(m.merchantId, 'sandbox', m.hook.id))!.changed).toBe(false);
    expect(await hooks.pause(other.merchantId, 'sandbox', m.hook.id)).toBeUndefined();
    expect(await hooks.resume(other.merchantId, 'sandbox', m.hook.id)).toBeUndefined();
    expect(await hooks.rollSecret(other.merchantId, 'sandbox', m.hook.id, 0)).toBeUndefined();
    expect(await hooks.find(m.merchantId, 'production', m.hook.id)).toBeUndefined();
    expect(await hooks.find(m.merchantId, 'sandbox', 'not-an-id')).toBeUndefined();
    expect((await hooks.find(other.merchantId, 'sandbox', other.hook.id))!.pausedAt).toBeNull();
  });

  it('a rolled secret is new and generated; the old one keeps signing beside it until the overlap ends', async () => {
    const m = await merchantWithWebhook();
    const rolled = (await t.server.webhooks.console.rollSecret(m.merchantId, 'sandbox', m.hook.id, 3600))!;
    expect(rolled.secret).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(rolled.webhook.previousSecretExpiresAt).toBe(t.clock.now() + 3600);
    expect(JSON.stringify(rolled.webhook)).not.toContain('Ciphertext');
    expect((await call(t.app(), 'GET', `/v1/webhooks/${m.hook.id}`, m.auth)).json().previous_secret_expires_on).toBe(new Date((t.clock.now() + 3600) * 1000).toUTCString());

    await m.fake();
    await t.server.webhooks.worker.runDue();
    const during = m.r.received[0]!;
    expect(v1s(during.headers['x-mypos-signature'] as string)).toEqual([hmac(rolled.secret, during.body), hmac('first-secret-0001', during.body)]);

    t.clock.advance(3601);
    await m.fake();
    await t.server.webhooks.worker.runDue();
    const after = m.r.received[1]!;
    expect(v1s(after.headers['x-mypos-signature'] as string)).toEqual([hmac(rolled.secret, after.body)]);
  });
});
