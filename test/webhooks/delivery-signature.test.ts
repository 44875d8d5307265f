import { createHmac } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../packages/client/src/index.js';
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
    // Tokens outlive the grace periods the clock is moved through.
    t = await createWebhookTestServer({ backend, config: { accessTokenTtl: 24 * 3600 } });
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

  describe('rolling the secret: PATCH /v1/webhooks/{id} {secret, secret_grace_seconds}', () => {
    /** The v1/v2 pair a secret gives this delivery, computed here, apart from the server's code. */
    const pairOf = (secret: string, header: string, body: string) => {
      const t = /^t=(\d+),/.exec(header)![1];
      const mac = (data: string) => createHmac('sha256', secret).update(data).digest('hex');
      return `v1=${mac(body)},v2=${mac(`${t}.${body}`)}`;
    };
    /** One sandbox event to the merchant's webhook, delivered now; returns its header and body. */
    async function deliverOne(r: Receiver, auth: string, sub: { id: string }) {
      expect((await call(t.app(), 'POST', `/v1/subscriptions/${sub.id}/fake`, auth)).statusCode).toBe(202);
      await t.server.webhooks.worker.runDue();
      const got = r.received.at(-1)!;
      return { header: got.headers['x-mypos-signature'] as string, body: got.body };
    }
    async function rolled(secret: string) {
      const h = await hook(secret);
      const sub = (await call(t.app(), 'POST', '/v1/subscriptions', h.auth, { event_id: 'pos.payment.completed' })).json();
      return { ...h, sub, deliver: () => deliverOne(h.r, h.auth, sub), patch: (body: Record<string, unknown> | string) => call(t.app(), 'PATCH', `/v1/webhooks/${h.hook.id}`, h.auth, body) };
    }

    it('with a grace, both secrets sign, one v1/v2 pair each, newest first, until the grace ends; then only the new one', async () => {
      const w = await rolled('secret-A-0001');
      const res = await w.patch({ secret: 'secret-B-0002', secret_grace_seconds: 3600 });
      expect(res.statusCode).toBe(200);
      expect(res.json().previous_secret_expires_on).toBe(new Date((t.clock.now() + 3600) * 1000).toUTCString());
      expect(res.body).not.toContain('secret-');

      const during = await w.deliver();
      expect(during.header).toBe(`t=${t.clock.now()},${pairOf('secret-B-0002', during.header, during.body)},${pairOf('secret-A-0001', during.header, during.body)}`);
      for (const secret of ['secret-A-0001', 'secret-B-0002']) {
        expect(verifiesLikeTheMyposDocs(secret, during.header, during.body, t.clock.now()), secret).toBe(true);
        expect(verifyWebhookSignature(during.body, during.header, secret, { now: t.clock.now() }).version).toBe('v2');
      }

      t.clock.advance(3599);
      expect(verifiesLikeTheMyposDocs('secret-A-0001', (await w.deliver()).header, w.r.received.at(-1)!.body, t.clock.now())).toBe(true);
      t.clock.advance(1);
      const after = await w.deliver();
      expect(after.header).toBe(`t=${t.clock.now()},${pairOf('secret-B-0002', after.header, after.body)}`);
      expect(verifiesLikeTheMyposDocs('secret-A-0001', after.header, after.body, t.clock.now())).toBe(false);
      expect(verifiesLikeTheMyposDocs('secret-B-0002', after.header, after.body, t.clock.now())).toBe(true);
      expect((await call(t.app(), 'GET', `/v1/webhooks/${w.hook.id}`, w.auth)).json().previous_secret_expires_on).toBeNull();
    });

    it('without a grace (or a grace of 0) the old secret stops at once', async () => {
      for (const body of [{ secret: 'secret-D-0004' }, 'secret=secret-E-0005&secret_grace_seconds=0']) {
        const w = await rolled('secret-C-0003');
        const res = await w.patch(body);
        expect(res.statusCode).toBe(200);
        expect(res.json().previous_secret_expires_on).toBeNull();
        const got = await w.deliver();
        expect(got.header.match(/v1=/g)).toHaveLength(1);
        expect(verifiesLikeTheMyposDocs('secret-C-0003', got.header, got.body, t.clock.now())).toBe(false);
      }
    });

    it('a second roll during an overlap keeps the newest two: the first secret stops; a second roll without grace ends the overlap', async () => {
      const w = await rolled('secret-F-0006');
      await w.patch({ secret: 'secret-G-0007', secret_grace_seconds: 600 });
      await w.patch('secret=secret-H-0008&secret_grace_seconds=600');
      const two = await w.deliver();
      expect(two.header).toBe(`t=${t.clock.now()},${pairOf('secret-H-0008', two.header, two.body)},${pairOf('secret-G-0007', two.header, two.body)}`);
      expect(verifiesLikeTheMyposDocs('secret-F-0006', two.header, two.body, t.clock.now())).toBe(false);

      await w.patch({ secret: 'secret-I-0009' });
      const one = await w.deliver();
      expect(one.header).toBe(`t=${t.clock.now()},${pairOf('secret-I-0009', one.header, one.body)}`);
    });

    it('PUT takes the grace too; a PATCH that does not change the secret leaves a running overlap alone', async () => {
      const w = await rolled('secret-J-0010');
      const put = await call(t.app(), 'PUT', `/v1/webhooks/${w.hook.id}`, w.auth, { payload_url: w.r.url, secret: 'secret-K-0011', secret_grace_seconds: 60 });
      expect(put.statusCode).toBe(200);
      await w.patch({ is_active: true });
      const got = await w.deliver();
      expect(got.header.match(/v1=/g)).toHaveLength(2);
      expect(verifiesLikeTheMyposDocs('secret-J-0010', got.header, got.body, t.clock.now())).toBe(true);
    });

    const bad: Array<[string, Record<string, unknown> | string]> = [
      ['a grace without a new secret', { secret_grace_seconds: 60 }],
      ['a negative grace', { secret: 'secret-x-0001', secret_grace_seconds: -1 }],
      ['a grace over 7 days', { secret: 'secret-x-0001', secret_grace_seconds: 7 * 24 * 3600 + 1 }],
      ['a fractional grace', { secret: 'secret-x-0001', secret_grace_seconds: 1.5 }],
      ['a grace that is not a number', 'secret=secret-x-0001&secret_grace_seconds=soon'],
    ];
    it.each(bad)('%s → 422 secret_grace_seconds, and nothing changes', async (_name, body) => {
      const w = await rolled('secret-L-0012');
      const res = await w.patch(body);
      expect(res.statusCode).toBe(422);
      expect(res.json().field).toBe('secret_grace_seconds');
      const got = await w.deliver();
      expect(verifiesLikeTheMyposDocs('secret-L-0012', got.header, got.body, t.clock.now())).toBe(true);
      expect(got.header.match(/v1=/g)).toHaveLength(1);
    });
  });
});
