import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../packages/client/src/index.js';
import { purgeExpiredRows } from '../../src/storage/purge.js';
import { BACKENDS } from '../helpers/backends.js';
import { call, createWebhookTestServer, type WebhookTestServer } from './helpers.js';

describe.each(BACKENDS)('listen sessions and triggered events on $name', (backend) => {
  let t: WebhookTestServer;
  beforeAll(async () => {
    t = await createWebhookTestServer({ backend, config: { webhookDeliveryTimeoutMs: 2000, accessTokenTtl: 30 * 24 * 3600 } });
  });
  afterAll(() => t.close());

  /** A new merchant with a listen session for pos.payment.completed. */
  async function session(body: Record<string, unknown> = { events: ['pos.payment.completed'] }) {
    const { auth } = await t.credential({ merchantId: `m-${Math.random()}` });
    const res = await call(t.app(), 'POST', '/v1/listen-sessions', auth, body);
    expect(res.statusCode).toBe(201);
    return { auth, s: res.json() };
  }
  const next = (auth: string, id: string, wait = 5) => call(t.app(), 'GET', `/v1/listen-sessions/${id}/deliveries/next?wait=${wait}`, auth);
  const report = (auth: string, id: string, delivery: string, body: Record<string, unknown>) =>
    call(t.app(), 'POST', `/v1/listen-sessions/${id}/deliveries/${delivery}`, auth, body);
  const trigger = (auth: string, event = 'pos.payment.completed', body?: Record<string, unknown>) =>
    call(t.app(), 'POST', `/v1/events/${event}/trigger`, auth, body);

  it('production refuses listen sessions and triggers with 403 sandbox_only', async () => {
    const { auth } = await t.credential({ environment: 'production', merchantId: 'prod-merchant' });
    for (const [method, url] of [
      ['POST', '/v1/listen-sessions'],
      ['GET', '/v1/listen-sessions/0190a0b0-0000-7000-8000-000000000000/deliveries/next'],
      ['POST', '/v1/events/pos.payment.completed/trigger'],
    ] as const) {
      const res = await call(t.app('production'), method, url, auth);
      expect(res.statusCode, url).toBe(403);
      expect(res.json().error, url).toBe('sandbox_only');
    }
  });

  it('a session is a webhook with target listen:<id>, subscribed to the events asked for; its generated secret is shown once', async () => {
    const { auth, s } = await session();
    expect(s).toMatchObject({ idle_timeout_seconds: 60, subscriptions: [{ event: 'pos.payment.completed' }] });
    expect(s.secret).toMatch(/^[A-Za-z0-9]{32}$/);
    const hook = (await call(t.app(), 'GET', `/v1/webhooks/${s.id}`, auth)).json();
    expect(hook).toMatchObject({ payload_url: `listen:${s.id}`, is_active: true });
    expect(hook).not.toHaveProperty('secret');
    expect(hook.listen_expires_on).toBe(new Date((t.clock.now() + 60) * 1000).toUTCString());
    expect((await call(t.app(), 'GET', `/v1/listen-sessions/${s.id}`, auth)).json()).not.toHaveProperty('secret');
    // Its webhook is changed only by ending the session.
    expect((await call(t.app(), 'PATCH', `/v1/webhooks/${s.id}`, auth, { payload_url: 'http://127.0.0.1:9/x' })).statusCode).toBe(409);
    // Every event when none is named; a secret given is not echoed.
    const all = (await session({ secret: 'whsec-mine' })).s;
    expect(all.subscriptions).toHaveLength(8);
    expect(all).not.toHaveProperty('secret');
  });

  it('a delivery waits in the mailbox signed as for a URL; the reported status is the attempt’s outcome and failures are retried', async () => {
    const { auth, s } = await session();
    const polled = next(auth, s.id);
    const queued = (await trigger(auth)).json();
    expect(queued.notifications).toHaveLength(1);
    const n = queued.notifications[0];
    const sending = t.server.webhooks.worker.runDue();

    const got = await polled;
    expect(got.statusCode).toBe(200);
    const d = got.json();
    expect(d.notification_id).toBe(n.id);
    expect(JSON.parse(d.body)).toEqual(queued.payload);
    expect(d.headers).toMatchObject({ 'content-type': 'application/json', 'x-mypos-event': 'pos.payment.completed', 'x-mypos-delivery': n.id });
    expect(verifyWebhookSignature(d.body, d.headers['x-mypos-signature'], s.secret, { now: t.clock.now(), requireV2: true }).timestamp).toBe(t.clock.now());
    // Taken once: a second poll does not get it again.
    expect((await next(auth, s.id, 0)).statusCode).toBe(204);

    expect((await report(auth, s.id, d.id, { status: 500 })).statusCode).toBe(204);
    expect((await report(auth, s.id, d.id, { status: 200 })).statusCode).toBe(404);
    await sending;
    expect((await call(t.app(), 'GET', `/v1/notifications/${n.id}`, auth)).json()).toMatchObject({ status: 'pending', response_code: 500, retry_count: 1 });

    t.clock.advance(45);
    const again = next(auth, s.id);
    const retry = t.server.webhooks.worker.runDue();
    const d2 = (await again).json();
    expect(d2.id).not.toBe(d.id);
    expect(d2.headers['x-mypos-signature']).toMatch(new RegExp(`^t=${t.clock.now()},`));
    expect((await report(auth, s.id, d2.id, { status: 204 })).statusCode).toBe(204);
    await retry;
    const done = (await call(t.app(), 'GET', `/v1/notifications/${n.id}`, auth)).json();
    expect(done).toMatchObject({ status: 'delivered', response_code: 204, retry_count: 1 });
    expect(done.attempts.map((a: { response_code: number }) => a.response_code)).toEqual([500, 204]);
  });

  it('no answer within the delivery timeout is a failed attempt, and the mailbox is emptied', async () => {
    const { auth, s } = await session();
    const n = (await trigger(auth)).json().notifications[0];
    await t.server.webhooks.worker.runDue();
    expect((await call(t.app(), 'GET', `/v1/notifications/${n.id}`, auth)).json()).toMatchObject({
      status: 'pending',
      retry_count: 1,
      last_error: 'timeout: the listen session did not answer',
    });
    expect((await next(auth, s.id, 0)).statusCode).toBe(204);
  });

  it('bad polls and reports get their exact error', async () => {
    const { auth, s } = await session();
    const other = (await t.credential({ merchantId: 'someone-else' })).auth;
    const cases: Array<[Promise<{ statusCode: number; json(): any }>, number, string, string?]> = [
      [next(other, s.id, 0), 404, 'not_found'],
      [next(auth, 'not-an-id', 0), 404, 'not_found'],
      [call(t.app(), 'GET', `/v1/listen-sessions/${s.id}/deliveries/next?wait=31`, auth), 422, 'invalid_field', 'wait'],
      [call(t.app(), 'GET', `/v1/listen-sessions/${s.id}/deliveries/next?wait=x`, auth), 422, 'invalid_field', 'wait'],
      [report(auth, s.id, '0190a0b0-0000-7000-8000-000000000000', { status: 200 }), 404, 'not_found'],
      [report(auth, s.id, '0190a0b0-0000-7000-8000-000000000000', {}), 422, 'invalid_field', 'status'],
      [report(auth, s.id, '0190a0b0-0000-7000-8000-000000000000', { status: 99 }), 422, 'invalid_field', 'status'],
      [report(auth, s.id, '0190a0b0-0000-7000-8000-000000000000', { status: 200, error: 'x' }), 422, 'invalid_field', 'error'],
      [report(other, s.id, '0190a0b0-0000-7000-8000-000000000000', { status: 200 }), 404, 'not_found'],
      [call(t.app(), 'DELETE', `/v1/listen-sessions/${s.id}`, other), 404, 'not_found'],
      [call(t.app(), 'POST', '/v1/listen-sessions', auth, { events: ['pos.payment.exploded'] }), 422, 'invalid_field', 'events'],
    ];
    for (const [pending, status, code, field] of cases) {
      const res = await pending;
      expect(res.statusCode).toBe(status);
      expect(res.json()).toMatchObject({ error: code, ...(field ? { field } : {}) });
    }
  });

  it('a session nobody polls expires: it stops receiving, and the purge ends it as DELETE would', async () => {
    const { auth, s } = await session();
    t.clock.advance(61);
    expect((await next(auth, s.id, 0)).statusCode).toBe(404);
    const n = (await trigger(auth)).json().notifications[0];
    await t.server.webhooks.worker.runDue();
    expect((await call(t.app(), 'GET', `/v1/notifications/${n.id}`, auth)).json()).toMatchObject({ status: 'pending', retry_count: 0 });
    await purgeExpiredRows(t.store, t.clock.now());
    expect((await call(t.app(), 'GET', `/v1/webhooks/${s.id}`, auth)).json().deleted_on).not.toBeNull();
    expect((await call(t.app(), 'GET', '/v1/subscriptions', auth)).json().pagination.total).toBe(0);
    expect((await call(t.app(), 'GET', `/v1/notifications/${n.id}`, auth)).json().status).toBe('cancelled');
  });

  it('DELETE ends a session: its webhook and subscriptions go', async () => {
    const { auth, s } = await session();
    expect((await call(t.app(), 'DELETE', `/v1/listen-sessions/${s.id}`, auth)).statusCode).toBe(204);
    expect((await call(t.app(), 'GET', '/v1/webhooks', auth)).json().webhooks).toEqual([]);
    expect((await call(t.app(), 'GET', '/v1/subscriptions', auth)).json().pagination.total).toBe(0);
    expect((await call(t.app(), 'DELETE', `/v1/listen-sessions/${s.id}`, auth)).statusCode).toBe(404);
  });

  it('trigger: a sample of the named event for every matching subscription; tid and filter pick its terminal', async () => {
    const { auth } = await t.credential({ merchantId: `m-${Math.random()}` });
    const hook = (await call(t.app(), 'POST', '/v1/webhooks', auth, { payload_url: 'http://127.0.0.1:9/hook' })).json();
    await call(t.app(), 'POST', '/v1/subscriptions', auth, { webhook_id: hook.id, event_id: 'pos.payment.completed', filter: { tids: ['TID7'] } });
    await call(t.app(), 'POST', '/v1/subscriptions', auth, { webhook_id: hook.id, event_id: 'pos.payment.completed' });

    const any = (await trigger(auth)).json();
    expect(any.notifications).toHaveLength(1);
    const forTid = await trigger(auth, 'pos.payment.completed', { tid: 'TID7' });
    expect(forTid.statusCode).toBe(202);
    expect(forTid.json().payload).toMatchObject({ event: 'pos.payment.completed', sandbox: true, data: { tid: 'TID7' } });
    expect(forTid.json().notifications).toHaveLength(2);
    // One event: every delivery carries the same envelope.
    expect(new Set(forTid.json().notifications.map((n: { payload: { id: string } }) => n.payload.id)).size).toBe(1);
    expect((await trigger(auth, 'pos.payment.completed', { filter: { tids: ['TID7', 'TID8'] } })).json().payload.data.tid).toBe('TID7');
    // The event's id works as well as its name; no subscription → nothing queued.
    expect((await trigger(auth, '5b7a1f0e-1d2c-4c1e-9a51-0f6f1c1a0002')).json()).toMatchObject({ event: 'pos.payment.failed', notifications: [] });

    for (const [event, body, status, field] of [
      ['pos.payment.exploded', undefined, 404, undefined],
      ['account.out-bank-transfer.failed', { tid: 'TID7' }, 422, 'tid'],
      ['pos.payment.completed', { tid: 'TID7', filter: { tids: ['TID7'] } }, 422, 'filter'],
      ['pos.payment.completed', { tid: 'no spaces' }, 422, 'tid'],
    ] as const) {
      const res = await trigger(auth, event, body);
      expect(res.statusCode, event).toBe(status);
      if (field) expect(res.json().field).toBe(field);
      else expect(res.json()).toEqual({ error: 'not_found', error_description: 'No such event (GET /v1/events lists them)' });
    }
  });
});
