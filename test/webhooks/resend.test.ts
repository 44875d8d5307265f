import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/sdk/index.js';
import { EVENT_TYPES } from '../../src/webhooks/events.js';
import { BACKENDS } from '../helpers/backends.js';
import { call, createWebhookTestServer, startReceiver, type WebhookTestServer } from './helpers.js';

const COMPLETED = EVENT_TYPES[0]!;
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

describe.each(BACKENDS)('POST /v1/notifications/{id}/resend on $name', (backend) => {
  let t: WebhookTestServer;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    t = await createWebhookTestServer({ backend, config: { webhookDeliveryTimeoutMs: 1000, accessTokenTtl: 30 * 24 * 3600 } });
  });
  afterAll(() => t.close());
  afterEach(async () => {
    while (receivers.length) await receivers.pop()!.close();
  });

  /** A new merchant whose webhook (secret `whsec-resend`) at a fresh receiver got one fake delivery. */
  async function delivered(respond?: Parameters<typeof startReceiver>[0]) {
    const r = await startReceiver(respond);
    receivers.push(r);
    const merchantId = `m-${Math.random()}`;
    const { auth } = await t.credential({ merchantId });
    const hook = (await call(t.app(), 'POST', '/v1/webhooks', auth, { payload_url: r.url, secret: 'whsec-resend' })).json();
    const sub = (await call(t.app(), 'POST', '/v1/subscriptions', auth, { event_id: COMPLETED.id })).json();
    const n = (await call(t.app(), 'POST', `/v1/subscriptions/${sub.id}/fake`, auth)).json();
    await t.server.webhooks.worker.runDue();
    return { r, auth, hook, n, owner: { owner: `merchant:${merchantId}`, environment: 'sandbox' as const } };
  }

  it('is a new attempt with a fresh signature timestamp, listed beside the original as a manual resend', async () => {
    const { r, auth, n } = await delivered();
    const first = t.clock.now();
    t.clock.advance(90);
    const res = await call(t.app(), 'POST', `/v1/notifications/${n.id}/resend`, auth);
    expect(res.statusCode).toBe(200);

    expect(r.received).toHaveLength(2);
    const [original, resent] = r.received;
    expect(resent!.body).toBe(original!.body);
    expect(resent!.headers['x-mypos-delivery']).toBe(n.id);
    expect(original!.headers['x-mypos-signature']).toMatch(new RegExp(`^t=${first},`));
    expect(resent!.headers['x-mypos-signature']).toMatch(new RegExp(`^t=${first + 90},`));
    expect(verifyWebhookSignature(resent!.body, resent!.headers['x-mypos-signature'] as string, 'whsec-resend', { now: t.clock.now() }).timestamp).toBe(first + 90);
    // The original signature, 90 s old, is not the one sent again.
    expect(resent!.headers['x-mypos-signature']).not.toBe(original!.headers['x-mypos-signature']);

    const listed = (await call(t.app(), 'GET', `/v1/notifications/${n.id}`, auth)).json();
    expect(listed.attempts).toEqual([
      { attempted_on: new Date(first * 1000).toUTCString(), kind: 'automatic', ok: true, response_code: 200, error: null, url: r.url },
      { attempted_on: new Date((first + 90) * 1000).toUTCString(), kind: 'manual_resend', ok: true, response_code: 200, error: null, url: r.url },
    ]);
    expect(res.json().attempts).toEqual(listed.attempts);
    // The first delivery's outcome stands; a resend is not a retry.
    expect(listed).toMatchObject({ status: 'delivered', retry_count: 0, sent_on: new Date(first * 1000).toUTCString() });
  });

  it('a resend the target acknowledges marks a failing notification delivered and stops its retries', async () => {
    const { r, auth, n } = await delivered((i) => (i === 0 ? 500 : 204));
    expect((await call(t.app(), 'GET', `/v1/notifications/${n.id}`, auth)).json()).toMatchObject({ status: 'pending', response_code: 500 });
    const res = (await call(t.app(), 'POST', `/v1/notifications/${n.id}/resend`, auth)).json();
    expect(res).toMatchObject({ status: 'delivered', response_code: 204, next_attempt_on: null });
    expect(res.attempts.map((a: { kind: string; response_code: number }) => [a.kind, a.response_code])).toEqual([
      ['automatic', 500],
      ['manual_resend', 204],
    ]);
    t.clock.advance(3600);
    await t.server.webhooks.worker.runDue();
    expect(r.received).toHaveLength(2);
  });

  it('a resend the target refuses is listed and changes nothing else', async () => {
    const { auth, n } = await delivered((i) => (i === 0 ? 200 : 503));
    const res = (await call(t.app(), 'POST', `/v1/notifications/${n.id}/resend`, auth)).json();
    expect(res).toMatchObject({ status: 'delivered', response_code: 200 });
    expect(res.attempts.at(-1)).toMatchObject({ kind: 'manual_resend', ok: false, response_code: 503 });
  });

  it('an unknown id, a malformed one and another merchant’s answer 404 and send nothing', async () => {
    const { r, n } = await delivered();
    const other = (await t.credential({ merchantId: 'someone-else' })).auth;
    for (const [id, auth] of [
      [n.id, other],
      ['0190a0b0-0000-7000-8000-000000000000', other],
      ['not-an-id', other],
    ] as const) {
      const res = await call(t.app(), 'POST', `/v1/notifications/${id}/resend`, auth);
      expect(res.statusCode, id).toBe(404);
      expect(res.json()).toEqual({ error: 'not_found', error_description: 'No such notification' });
    }
    expect(r.received).toHaveLength(1);
  });

  it('a notification whose webhook was deleted answers 409 conflict', async () => {
    const { r, auth, hook, n } = await delivered();
    expect((await call(t.app(), 'DELETE', `/v1/webhooks/${hook.id}`, auth)).statusCode).toBe(204);
    const res = await call(t.app(), 'POST', `/v1/notifications/${n.id}/resend`, auth);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('conflict');
    expect(r.received).toHaveLength(1);
  });

  it('the purge takes a notification’s attempts with it', async () => {
    const { auth, n, owner } = await delivered();
    await call(t.app(), 'POST', `/v1/notifications/${n.id}/resend`, auth);
    expect(await t.store.webhooks.listAttempts(n.id)).toHaveLength(2);
    t.clock.advance(31 * 24 * 3600);
    await t.server.webhooks.worker.purge();
    expect(await t.store.webhooks.findNotification(owner, n.id)).toBeUndefined();
    expect(await t.store.webhooks.listAttempts(n.id)).toEqual([]);
  });
});
