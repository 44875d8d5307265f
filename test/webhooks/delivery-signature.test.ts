import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../src/sdk/index.js';
import { EVENT_TYPES } from '../../src/webhooks/events.js';
import { BACKENDS } from '../helpers/backends.js';
import { verifiesLikeTheMyposDocs } from '../helpers/mypos-docs-verifier.js';
import { call, createWebhookTestServer, startReceiver, type WebhookTestServer } from './helpers.js';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** Whitespace outside JSON strings: there must be none (compact JSON). */
const spaceBetweenTokens = (json: string) => /\s/.test(json.replace(/"(?:[^"\\]|\\.)*"/g, '""'));

describe.each(BACKENDS)('delivery signatures › code written from the myPOS docs verifies every delivery ($name)', (backend) => {
  let t: WebhookTestServer;
  const receivers: Receiver[] = [];
  let merchant = 0;
  beforeAll(async () => {
    t = await createWebhookTestServer({ backend });
  });
  afterAll(() => t.close());
  afterEach(async () => {
    while (receivers.length) await receivers.pop()!.close();
  });

  /** A new merchant with one webhook (secret `secret`) on a fresh receiver. */
  async function hook(secret: string) {
    const r = await startReceiver();
    receivers.push(r);
    const merchantId = `sig-${backend.name}-${++merchant}`;
    const auth = (await t.credential({ merchantId })).auth;
    const created = await call(t.app(), 'POST', '/v1/webhooks', auth, { payload_url: r.url, secret });
    expect(created.statusCode).toBe(201);
    return { r, auth, hook: created.json(), owner: { owner: `merchant:${merchantId}`, environment: 'sandbox' as const } };
  }

  it('the sandbox sample of every event type: compact JSON whose v1 the docs’ check accepts, and whose v2 the SDK accepts', async () => {
    const { r, auth } = await hook('docs-secret-1');
    for (const event of EVENT_TYPES) {
      const sub = (await call(t.app(), 'POST', '/v1/subscriptions', auth, { event_id: event.id })).json();
      expect((await call(t.app(), 'POST', `/v1/subscriptions/${sub.id}/fake`, auth)).statusCode).toBe(202);
    }
    await t.server.webhooks.worker.runDue();
    expect(r.received).toHaveLength(EVENT_TYPES.length);
    for (const got of r.received) {
      const signature = got.headers['x-mypos-signature'] as string;
      expect(spaceBetweenTokens(got.body), got.body).toBe(false);
      // The envelope's date, "Thu, 03 Dec 2026 …", holds ", ": it travels escaped, and parses back unchanged.
      expect(JSON.parse(got.body).created_on).toBe(new Date(t.clock.now() * 1000).toUTCString());
      expect(verifiesLikeTheMyposDocs('docs-secret-1', signature, got.body, t.clock.now()), got.body).toBe(true);
      expect(verifyWebhookSignature(got.body, signature, 'docs-secret-1', { now: t.clock.now() }).version).toBe('v2');
    }
  });

  it('publish(): string values holding ": " and ", " are sent with the space as \\u0020, parse back unchanged, and v1 verifies', async () => {
    const { r, auth, owner } = await hook('docs-secret-2');
    await call(t.app(), 'POST', '/v1/subscriptions', auth, { event_id: 'pos.payment.completed' });
    const data = { merchant: 'Shop, Ltd: Sofia', note: 'a: b, c:d,e', quoted: 'say "x": "y", "z"', amount: 12.5 };
    expect(await t.server.webhooks.publish(owner, 'pos.payment.completed', data, { tid: 'TID1' })).toBe(1);
    await t.server.webhooks.worker.runDue();
    const got = r.received[0]!;
    expect(got.body).not.toMatch(/[:,] /);
    expect(got.body).toContain('"merchant":"Shop,\\u0020Ltd:\\u0020Sofia"');
    expect(JSON.parse(got.body).data).toEqual(data);
    expect(verifiesLikeTheMyposDocs('docs-secret-2', got.headers['x-mypos-signature'] as string, got.body, t.clock.now())).toBe(true);
    // The notification log shows the values as they were published.
    const [n] = (await call(t.app(), 'GET', '/v1/notifications', auth)).json().notifications;
    expect(n.payload.data).toEqual(data);
  });

  it('a filter tid holding ", " or ": " is refused (422), so no tid can carry them into a sample event', async () => {
    const { auth } = await hook('docs-secret-3');
    for (const tid of ['TID1, TID2', 'TID: 1']) {
      const res = await call(t.app(), 'POST', '/v1/subscriptions', auth, { event_id: 'pos.payment.completed', filter: { tids: [tid] } });
      expect(res.statusCode).toBe(422);
      expect(res.json().field).toBe('filter');
    }
  });
});
