import net, { type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/webhooks/events.js';
import { verifyWebhookSignature } from '../../packages/client/src/index.js';
import { BACKENDS } from '../helpers/backends.js';
import { verifiesLikeTheMyposDocs } from '../helpers/mypos-docs-verifier.js';
import { basic, postForm } from '../helpers/test-server.js';
import { call, createWebhookTestServer, startReceiver, type WebhookTestServer } from './helpers.js';

const COMPLETED = EVENT_TYPES[0]!;

/** Re-checks a condition as events arrive (no fixed sleep); fails after 5 s. */
async function until(cond: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

describe.each(BACKENDS)('webhook delivery against a real local receiver on $name', (backend) => {
  let t: WebhookTestServer;
  let auth: string;
  const receivers: Receiver[] = [];
  beforeAll(async () => {
    // Tokens outlive the days of retries the clock is moved through.
    t = await createWebhookTestServer({ backend, config: { webhookDeliveryTimeoutMs: 1000, accessTokenTtl: 30 * 24 * 3600 } });
  });
  afterAll(() => t.close());
  afterEach(async () => {
    while (receivers.length) await receivers.pop()!.close();
  });

  async function receiver(respond?: Parameters<typeof startReceiver>[0]) {
    const r = await startReceiver(respond);
    receivers.push(r);
    return r;
  }

  /** A new merchant with one webhook at `url` (secret `secret`) subscribed to pos.payment.completed. */
  async function subscribe(url: string, secret = 'whsec-test-1234') {
    const merchantId = `m-${Math.random()}`;
    auth = (await t.credential({ merchantId })).auth;
    const hook = (await call(t.app(), 'POST', '/v1/webhooks', auth, { payload_url: url, secret })).json();
    const sub = (await call(t.app(), 'POST', '/v1/subscriptions', auth, { event_id: COMPLETED.id, filter: { tids: ['TID00042'] } })).json();
    return { hook, sub, auth, owner: { owner: `merchant:${merchantId}`, environment: 'sandbox' as const } };
  }

  const fake = (sub: { id: string }, a = auth) => call(t.app(), 'POST', `/v1/subscriptions/${sub.id}/fake`, a);
  const notifications = async (a = auth) => (await call(t.app(), 'GET', '/v1/notifications', a)).json().notifications;

  it('POSTs signed JSON: X-myPOS-Event, X-myPOS-Signature t=…,v1=HMAC(secret, body),v2=HMAC(secret, t.body); 2xx acknowledges', async () => {
    const r = await receiver();
    const { sub } = await subscribe(r.url, 'my-shared-secret');
    const queued = await fake(sub);
    expect(queued.statusCode).toBe(202);
    expect(queued.json()).toMatchObject({ event: 'pos.payment.completed', status: 'pending', retry_count: 0, sent_on: null, url: r.url });

    await t.server.webhooks.worker.runDue();
    expect(r.received).toHaveLength(1);
    const got = r.received[0]!;
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-mypos-event']).toBe('pos.payment.completed');
    const sig = got.headers['x-mypos-signature'] as string;
    expect(sig).toMatch(new RegExp(`^t=${t.clock.now()},v1=[0-9a-f]{64},v2=[0-9a-f]{64}$`));
    expect(verifiesLikeTheMyposDocs('my-shared-secret', sig, got.body, t.clock.now())).toBe(true);
    expect(verifiesLikeTheMyposDocs('another-secret', sig, got.body, t.clock.now())).toBe(false);
    expect(verifyWebhookSignature(got.body, sig, 'my-shared-secret', { now: t.clock.now() })).toEqual({ timestamp: t.clock.now(), version: 'v2' });
    expect(() => verifyWebhookSignature(got.body, sig, 'another-secret', { now: t.clock.now() })).toThrow(/No signature matches/);
    expect(() => verifyWebhookSignature(got.body + ' ', sig, 'my-shared-secret', { now: t.clock.now() })).toThrow(/No signature matches/);
    const payload = JSON.parse(got.body);
    expect(payload).toMatchObject({ event: 'pos.payment.completed', data: { tid: 'TID00042', currency: 'EUR' } });

    const [n] = await notifications();
    expect(n).toMatchObject({ status: 'delivered', response_code: 200, retry_count: 0, url: r.url, payload });
    expect(n.sent_on).toBe(new Date(t.clock.now() * 1000).toUTCString());
  });

  it('a receiver failing twice then succeeding gets three attempts, with growing delays and nothing early', async () => {
    const r = await receiver((n) => (n < 2 ? 500 : 204));
    const { sub } = await subscribe(r.url);
    await fake(sub);
    const worker = t.server.webhooks.worker;
    const attemptTimes: number[] = [];

    await worker.runDue();
    attemptTimes.push(t.clock.now());
    expect(r.received).toHaveLength(1);
    let [n] = await notifications();
    expect(n).toMatchObject({ status: 'pending', response_code: 500, retry_count: 1 });
    const firstDelay = Date.parse(n.next_attempt_on) / 1000 - t.clock.now();

    t.clock.advance(firstDelay - 1);
    await worker.runDue();
    expect(r.received).toHaveLength(1); // not due yet

    t.clock.advance(1);
    await worker.runDue();
    attemptTimes.push(t.clock.now());
    expect(r.received).toHaveLength(2);
    [n] = await notifications();
    expect(n).toMatchObject({ status: 'pending', retry_count: 2 });
    const secondDelay = Date.parse(n.next_attempt_on) / 1000 - t.clock.now();
    expect(secondDelay).toBeGreaterThan(firstDelay);

    t.clock.advance(secondDelay);
    await worker.runDue();
    attemptTimes.push(t.clock.now());
    expect(r.received).toHaveLength(3);
    [n] = await notifications();
    expect(n).toMatchObject({ status: 'delivered', response_code: 204, retry_count: 2, next_attempt_on: null });
    // The same body every time, each signed with the time of its own attempt.
    expect(new Set(r.received.map((x) => x.body)).size).toBe(1);
    expect(r.received.map((x) => Number(/^t=(\d+)/.exec(x.headers['x-mypos-signature'] as string)![1]))).toEqual(attemptTimes);
  });

  it('a redirect is a failure and is not followed', async () => {
    const r = await receiver(() => 302);
    const { sub } = await subscribe(r.url);
    await fake(sub);
    await t.server.webhooks.worker.runDue();
    expect(r.received.map((x) => x.path)).toEqual(['/hook']);
    const [n] = await notifications();
    expect(n).toMatchObject({ status: 'pending', response_code: 302, retry_count: 1, last_error: 'redirect not followed' });
  });

  it('a server restart mid-retry loses nothing: the notification is delivered by the next process', async () => {
    const r = await receiver((n) => (n === 0 ? 503 : 200));
    const { sub, auth: a } = await subscribe(r.url);
    await fake(sub);
    await t.server.webhooks.worker.runDue();
    expect(r.received).toHaveLength(1);
    const before = (await notifications(a))[0];
    expect(before.status).toBe('pending');

    await t.restart();
    t.clock.advance(3600);
    await t.server.webhooks.worker.runDue();
    expect(r.received).toHaveLength(2);
    const after = await notifications(a);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: before.id, status: 'delivered', retry_count: 1 });
  });

  it('a slow receiver does not block other webhooks, and one webhook has one delivery in flight', async () => {
    let release!: () => void;
    const held = new Promise<number>((resolve) => (release = () => resolve(200)));
    const slow = await receiver(() => held);
    const fast = await receiver();
    const s = await subscribe(slow.url);
    await fake(s.sub, s.auth);
    await fake(s.sub, s.auth);
    const f = await subscribe(fast.url);
    await fake(f.sub, f.auth);

    const worker = t.server.webhooks.worker;
    await worker.tick();
    await fast.waitFor(1);
    await slow.waitFor(1);
    // The fast receiver's delivery completes while the slow one is still held open.
    await until(async () => (await notifications(f.auth))[0].status === 'delivered');
    expect(slow.received).toHaveLength(1); // the second notification for the slow webhook waits its turn
    expect(worker.inFlight).toEqual([s.hook.id]);
    await worker.tick();
    expect(slow.received).toHaveLength(1);

    release();
    await worker.runDue();
    // Failed once on PostgreSQL (received 1) and never since: the message carries the rows' state for next time.
    const rows = slow.received.length === 2 ? '' : JSON.stringify({ notifications: await notifications(s.auth), inFlight: worker.inFlight });
    expect(slow.received, rows).toHaveLength(2);
    expect((await notifications(s.auth)).map((n: { status: string }) => n.status)).toEqual(['delivered', 'delivered']);
  });

  it('receivers that hang, reset the connection or answer slowly never hold up token issuance', async () => {
    const hang = await receiver(() => new Promise<number>(() => {}));
    let release!: () => void;
    const slow = await receiver(() => new Promise<number>((resolve) => (release = () => resolve(200))));
    // A receiver that accepts the connection and resets it as soon as the request arrives.
    const reset = net.createServer((socket) => socket.once('data', () => socket.resetAndDestroy()));
    await new Promise<void>((resolve) => reset.listen(0, '127.0.0.1', resolve));
    try {
      const h = await subscribe(hang.url);
      await fake(h.sub, h.auth);
      const s = await subscribe(slow.url);
      await fake(s.sub, s.auth);
      const r = await subscribe(`http://127.0.0.1:${(reset.address() as AddressInfo).port}/hook`);
      await fake(r.sub, r.auth);

      const worker = t.server.webhooks.worker;
      await worker.tick();
      await hang.waitFor(1);
      await slow.waitFor(1);
      // With two deliveries held open and one connection reset, every token request is answered.
      const creds = await t.credential();
      const answers = await Promise.all(
        Array.from({ length: 40 }, () => postForm(t.app(), '/oauth/token', 'grant_type=client_credentials', { authorization: basic(creds.id, creds.secret) })),
      );
      expect(answers.map((a) => a.statusCode)).toEqual(Array(40).fill(200));
      expect(new Set(answers.map((a) => a.json().access_token)).size).toBe(40);
      expect(worker.inFlight).toContain(s.hook.id);
      // The reset is a failed attempt with no response code, to be retried.
      await until(async () => (await notifications(r.auth))[0].retry_count === 1);
      expect((await notifications(r.auth))[0]).toMatchObject({ status: 'pending', response_code: null });
    } finally {
      release();
      await new Promise((resolve) => reset.close(resolve));
    }
  });

  it('a receiver slower than the delivery timeout counts as a failed attempt (no response code)', async () => {
    const r = await receiver(() => new Promise<number>(() => {}));
    const { sub } = await subscribe(r.url);
    await fake(sub);
    await t.server.webhooks.worker.runDue();
    const [n] = await notifications();
    expect(n).toMatchObject({ status: 'pending', response_code: null, retry_count: 1, last_error: 'timeout' });
  });

  it('gives up after 3 days of failures', async () => {
    const r = await receiver(() => 500);
    const { sub } = await subscribe(r.url);
    await fake(sub);
    const worker = t.server.webhooks.worker;
    for (let i = 0; i < 200; i++) {
      await worker.runDue();
      const [n] = await notifications();
      if (n.status !== 'pending') break;
      t.clock.t = Date.parse(n.next_attempt_on) / 1000;
    }
    const [n] = await notifications();
    expect(n.status).toBe('failed');
    expect(Date.parse(n.sent_on) / 1000 - Date.parse(n.created_on) / 1000).toBeLessThanOrEqual(3 * 24 * 3600);
    expect(r.received.length).toBe(n.retry_count);
    expect(r.received.length).toBeGreaterThan(10);
  });

  it('deleting a webhook cancels its pending notifications', async () => {
    const r = await receiver(() => 500);
    const { sub, hook, auth: a } = await subscribe(r.url);
    await fake(sub);
    await t.server.webhooks.worker.runDue();
    await call(t.app(), 'DELETE', `/v1/webhooks/${hook.id}`, a);
    t.clock.advance(3600);
    await t.server.webhooks.worker.runDue();
    expect(r.received).toHaveLength(1);
    expect((await notifications(a))[0].status).toBe('cancelled');
  });

  it('the delivery lease: of two processes racing for one webhook, exactly one wins until the lease expires', async () => {
    const r = await receiver();
    const { hook } = await subscribe(r.url);
    const repo = t.store.webhooks;
    const now = t.clock.now();
    const results = await Promise.all([repo.claimWebhook(hook.id, 'node-a', now, now + 60), repo.claimWebhook(hook.id, 'node-b', now, now + 60)]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await repo.claimWebhook(hook.id, 'node-c', now + 59, now + 120)).toBe(false);
    expect(await repo.claimWebhook(hook.id, 'node-c', now + 60, now + 120)).toBe(true);
    await repo.releaseWebhook(hook.id, 'node-c');
  });

  it('two server processes on one database never deliver one notification twice or one webhook concurrently', async () => {
    const inFlight = new Map<string, number>();
    let overlap = false;
    const r = await receiver(async (_n, req) => {
      const k = req.path;
      inFlight.set(k, (inFlight.get(k) ?? 0) + 1);
      if (inFlight.get(k)! > 1) overlap = true;
      // Hold each response briefly so that overlapping deliveries, if any, would be seen.
      await new Promise((resolve) => setTimeout(resolve, 15));
      inFlight.set(k, inFlight.get(k)! - 1);
      return 200;
    });
    const queued: string[] = [];
    for (let h = 0; h < 3; h++) {
      const { sub, auth: a } = await subscribe(`${r.url}/${h}`);
      for (let i = 0; i < 3; i++) queued.push((await fake(sub, a)).json().id);
    }
    const peer = await t.peer();
    try {
      await Promise.all([t.server.webhooks.worker.runDue(), peer.server.webhooks.worker.runDue()]);
    } finally {
      await peer.close();
    }
    const delivered = r.received.map((x) => x.headers['x-mypos-delivery']);
    expect(delivered.sort()).toEqual(queued.sort());
    expect(overlap).toBe(false);
  });

  it('a shutdown mid-delivery aborts the request without counting it; the next process sends it again', async () => {
    const r = await receiver((n) => (n === 0 ? new Promise<number>(() => {}) : 200));
    const { sub, auth: a } = await subscribe(r.url);
    await fake(sub, a);
    await t.server.webhooks.worker.tick();
    await r.waitFor(1);
    await t.restart();
    const [pending] = await notifications(a);
    expect(pending).toMatchObject({ status: 'pending', retry_count: 0 });
    // The dead process's lease is gone with it (released on abort), so the new one delivers at once.
    await t.server.webhooks.worker.runDue();
    expect(r.received).toHaveLength(2);
    expect((await notifications(a))[0]).toMatchObject({ id: pending.id, status: 'delivered', retry_count: 0 });
  });

  it('regression: a secret that no longer decrypts (server key changed) backs off instead of spinning the worker', async () => {
    const r = await receiver();
    const { sub, hook, auth: a, owner } = await subscribe(r.url);
    expect(await t.store.webhooks.updateWebhook(owner, hook.id, { secretCiphertext: 'v1.AAAA.AAAA.AAAA' }, t.clock.now())).toBe(true);
    await fake(sub, a);
    await t.server.webhooks.worker.runDue();
    expect(r.received).toHaveLength(0);
    expect((await notifications(a))[0]).toMatchObject({ status: 'pending', retry_count: 1, last_error: 'webhook secret cannot be decrypted' });
  });

  it('publish() queues an event for every matching subscription: a tids filter lets only its terminals through', async () => {
    const r = await receiver();
    const { owner, auth: a, hook } = await subscribe(r.url); // filtered on TID00042
    await call(t.app(), 'POST', '/v1/subscriptions', a, { webhook_id: hook.id, event_id: 'pos.payment.completed' }); // unfiltered
    const publish = t.server.webhooks.publish;
    expect(await publish(owner, 'pos.payment.completed', { amount: 1 }, { tid: 'TID00042' })).toBe(2);
    expect(await publish(owner, 'pos.payment.completed', { amount: 2 }, { tid: 'OTHER' })).toBe(1);
    expect(await publish(owner, 'pos.payment.failed', { amount: 3 }, { tid: 'TID00042' })).toBe(0);
    expect(await publish({ ...owner, environment: 'production' }, 'pos.payment.completed', { amount: 4 })).toBe(0);
    await t.server.webhooks.worker.runDue();
    expect(r.received.map((x) => JSON.parse(x.body).data.amount).sort()).toEqual([1, 1, 2]);
  });

  it('finished notifications are purged after 30 days in bounded batches; pending ones never', async () => {
    const ok = await receiver();
    const down = await receiver(() => 500);
    const good = await subscribe(ok.url);
    await fake(good.sub, good.auth);
    const bad = await subscribe(down.url);
    await fake(bad.sub, bad.auth);
    await t.server.webhooks.worker.runDue();
    const [delivered] = await notifications(good.auth);
    expect((await call(t.app(), 'GET', `/v1/notifications/${delivered.id}`, good.auth)).json()).toMatchObject({ id: delivered.id, status: 'delivered' });
    expect((await call(t.app(), 'GET', `/v1/notifications/${delivered.id}`, bad.auth)).statusCode).toBe(404);

    t.clock.advance(30 * 24 * 3600 + 1);
    try {
      expect(await t.server.webhooks.worker.purge(1)).toBeGreaterThanOrEqual(1);
      // Fresh tokens: the earlier ones expired with the month that passed.
      const goodNow = (await t.credential({ merchantId: good.owner.owner.slice('merchant:'.length) })).auth;
      const badNow = (await t.credential({ merchantId: bad.owner.owner.slice('merchant:'.length) })).auth;
      expect((await call(t.app(), 'GET', `/v1/notifications/${delivered.id}`, goodNow)).statusCode).toBe(404);
      expect((await notifications(badNow)).map((n: { status: string }) => n.status)).toEqual(['pending']);
    } finally {
      t.clock.advance(-(30 * 24 * 3600 + 1));
    }
  });
});

describe('webhook delivery › bounded concurrency', () => {
  it('never more deliveries in flight than webhookMaxConcurrency, over all webhooks', async () => {
    const t = await createWebhookTestServer({ config: { webhookMaxConcurrency: 2, accessTokenTtl: 86_400 } });
    const releases: Array<() => void> = [];
    const r = await startReceiver(() => new Promise<number>((resolve) => releases.push(() => resolve(200))));
    try {
      for (let h = 0; h < 3; h++) {
        const a = (await t.credential({ merchantId: `cc-${h}` })).auth;
        await call(t.app(), 'POST', '/v1/webhooks', a, { payload_url: r.url, secret: 'x' });
        const sub = (await call(t.app(), 'POST', '/v1/subscriptions', a, { event_id: COMPLETED.id })).json();
        await call(t.app(), 'POST', `/v1/subscriptions/${sub.id}/fake`, a);
      }
      const worker = t.server.webhooks.worker;
      await worker.tick();
      await worker.tick();
      await r.waitFor(2);
      expect(worker.inFlight).toHaveLength(2);
      expect(r.received).toHaveLength(2);
      // Each release frees a slot, and the third webhook gets its turn.
      const done = worker.runDue();
      while (r.received.length < 3 || releases.length > 0) {
        releases.shift()?.();
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await done;
      expect(r.received).toHaveLength(3);
    } finally {
      for (const release of releases) release();
      await r.close();
      await t.close();
    }
  });
});
