import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/webhooks/events.js';
import { BACKENDS } from '../helpers/backends.js';
import { call, createWebhookTestServer, type WebhookTestServer } from './helpers.js';

const RFC1123 = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const COMPLETED = EVENT_TYPES[0]!;

describe.each(BACKENDS)('Webhook API › webhooks, events, subscriptions on $name', (backend) => {
  let t: WebhookTestServer;
  let a: string; // merchant A, first credential
  let a2: string; // merchant A, second credential
  let b: string; // merchant B
  let op: string; // the built-in operator account
  beforeAll(async () => {
    t = await createWebhookTestServer({ backend });
    a = (await t.credential({ merchantId: 'merchant-a' })).auth;
    a2 = (await t.credential({ merchantId: 'merchant-a' })).auth;
    b = (await t.credential({ merchantId: 'merchant-b' })).auth;
    op = (await t.credential()).auth;
  });
  afterAll(() => t.close());

  const get = (auth: string, url: string) => call(t.app(), 'GET', url, auth);

  describe('webhooks CRUD', () => {
    it('POST (form body, as myPOS documents) → 201 with myPOS fields, secret not echoed', async () => {
      const res = await call(t.app(), 'POST', '/v1/webhooks', op, 'payload_url=https%3A%2F%2Fexample.com%2Fhook&secret=s3cret');
      expect(res.statusCode).toBe(201);
      const w = res.json();
      expect(w).toEqual({
        id: expect.any(String),
        payload_url: 'https://example.com/hook',
        is_active: true,
        created_on: expect.stringMatching(RFC1123),
        deleted_on: null,
        previous_secret_expires_on: null,
        paused_on: null,
      });
      expect(res.body).not.toContain('s3cret');
    });

    it('POST (JSON) without a secret → one is generated and shown once, never again', async () => {
      const res = await call(t.app(), 'POST', '/v1/webhooks', op, { payload_url: 'https://example.com/gen', is_active: false });
      expect(res.statusCode).toBe(201);
      const { id, secret, is_active } = res.json();
      expect(secret).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(is_active).toBe(false);
      expect((await get(op, `/v1/webhooks/${id}`)).body).not.toContain(secret);
      expect((await get(op, '/v1/webhooks')).body).not.toContain(secret);
    });

    it('the secret is stored encrypted (AES-256-GCM), never in plaintext', async () => {
      const res = await call(t.app(), 'POST', '/v1/webhooks', op, { payload_url: 'https://example.com/enc', secret: 'plain-text-secret-value' });
      const row = await t.store.webhooks.findWebhook({ owner: 'operator', environment: 'sandbox' }, res.json().id);
      expect(row!.secretCiphertext).toMatch(/^v1\./);
      expect(row!.secretCiphertext).not.toContain('plain-text-secret-value');
    });

    it('GET one, PATCH, PUT, DELETE (soft: deleted_on set, gone from the list)', async () => {
      const { id } = (await call(t.app(), 'POST', '/v1/webhooks', a, { payload_url: 'https://example.com/one', secret: 'x' })).json();
      expect((await get(a, `/v1/webhooks/${id}`)).json().payload_url).toBe('https://example.com/one');

      const patched = await call(t.app(), 'PATCH', `/v1/webhooks/${id}`, a, 'is_active=false');
      expect(patched.statusCode).toBe(200);
      expect(patched.json()).toMatchObject({ id, is_active: false, payload_url: 'https://example.com/one' });
      // myPOS documents the flag as `active`; it is taken too.
      expect((await call(t.app(), 'PATCH', `/v1/webhooks/${id}`, a, 'active=1')).json().is_active).toBe(true);
      expect((await call(t.app(), 'PATCH', `/v1/webhooks/${id}`, a, { active: false })).json().is_active).toBe(false);

      const put = await call(t.app(), 'PUT', `/v1/webhooks/${id}`, a, { payload_url: 'https://example.org/two', secret: 'new' });
      expect(put.statusCode).toBe(200);
      expect(put.json()).toMatchObject({ payload_url: 'https://example.org/two', is_active: true });

      const missingUrl = await call(t.app(), 'PUT', `/v1/webhooks/${id}`, a, { secret: 'new' });
      expect(missingUrl.statusCode).toBe(422);
      expect(missingUrl.json()).toMatchObject({ error: 'invalid_field', field: 'payload_url' });

      expect((await call(t.app(), 'DELETE', `/v1/webhooks/${id}`, a)).statusCode).toBe(204);
      const after = await get(a, `/v1/webhooks/${id}`);
      expect(after.json()).toMatchObject({ is_active: false, deleted_on: expect.stringMatching(RFC1123) });
      expect((await get(a, '/v1/webhooks')).json().webhooks.map((w: { id: string }) => w.id)).not.toContain(id);
      expect((await call(t.app(), 'PATCH', `/v1/webhooks/${id}`, a, { is_active: true })).statusCode).toBe(404);
      expect((await call(t.app(), 'DELETE', `/v1/webhooks/${id}`, a)).statusCode).toBe(404);
    });

    it('unknown or malformed ids → 404', async () => {
      for (const id of ['00000000-0000-0000-0000-000000000000', 'not-a-uuid', '%27%20or%201%3D1']) {
        const res = await get(op, `/v1/webhooks/${id}`);
        expect(res.statusCode).toBe(404);
        expect(res.json().error).toBe('not_found');
      }
    });
  });

  describe('ownership: webhooks belong to the merchant and environment of the credential', () => {
    it('every credential of a merchant sees the same webhooks; another merchant sees none and gets 404', async () => {
      const { id } = (await call(t.app(), 'POST', '/v1/webhooks', a, { payload_url: 'https://example.com/mine', secret: 'x' })).json();
      expect((await get(a2, `/v1/webhooks/${id}`)).statusCode).toBe(200);
      expect((await get(a2, '/v1/webhooks')).json().webhooks.map((w: { id: string }) => w.id)).toContain(id);

      expect((await get(b, '/v1/webhooks')).json().webhooks.map((w: { id: string }) => w.id)).not.toContain(id);
      expect((await get(op, '/v1/webhooks')).json().webhooks.map((w: { id: string }) => w.id)).not.toContain(id);
      expect((await get(b, `/v1/webhooks/${id}`)).statusCode).toBe(404);
      expect((await call(t.app(), 'PATCH', `/v1/webhooks/${id}`, b, { payload_url: 'https://evil.example/x' })).statusCode).toBe(404);
      expect((await call(t.app(), 'PUT', `/v1/webhooks/${id}`, b, { payload_url: 'https://evil.example/x' })).statusCode).toBe(404);
      expect((await call(t.app(), 'DELETE', `/v1/webhooks/${id}`, b)).statusCode).toBe(404);
      // Nothing changed.
      expect((await get(a, `/v1/webhooks/${id}`)).json()).toMatchObject({ payload_url: 'https://example.com/mine', is_active: true, deleted_on: null });
    });

    it('the same merchant in production sees a separate set', async () => {
      const prod = (await t.credential({ merchantId: 'merchant-a', environment: 'production' })).auth;
      const res = await call(t.app('production'), 'GET', '/v1/webhooks', prod);
      expect(res.statusCode).toBe(200);
      expect(res.json().pagination.total).toBe(0);
    });

    it("another merchant's subscription ids → 404, and their webhook id is refused as webhook_id", async () => {
      const hook = (await call(t.app(), 'POST', '/v1/webhooks', a, { payload_url: 'https://example.com/s', secret: 'x' })).json();
      const sub = (await call(t.app(), 'POST', '/v1/subscriptions', a, { webhook_id: hook.id, event_id: COMPLETED.id })).json();
      expect((await get(b, `/v1/subscriptions/${sub.id}`)).statusCode).toBe(404);
      expect((await call(t.app(), 'PUT', `/v1/subscriptions/${sub.id}`, b, { event_id: COMPLETED.id })).statusCode).toBe(404);
      expect((await call(t.app(), 'DELETE', `/v1/subscriptions/${sub.id}`, b)).statusCode).toBe(404);
      expect((await call(t.app(), 'POST', `/v1/subscriptions/${sub.id}/fake`, b)).statusCode).toBe(404);
      const steal = await call(t.app(), 'POST', '/v1/subscriptions', b, { webhook_id: hook.id, event_id: COMPLETED.id });
      expect(steal.statusCode).toBe(422);
      expect(steal.json().field).toBe('webhook_id');
      expect((await get(a2, `/v1/subscriptions/${sub.id}`)).statusCode).toBe(200);
      expect((await get(b, '/v1/notifications')).json().pagination.total).toBe(0);
    });
  });

  describe('events', () => {
    it('GET /v1/events → the myPOS event names with ids and pagination', async () => {
      const res = await get(op, '/v1/events');
      expect(res.statusCode).toBe(200);
      expect(res.json().events.map((e: { name: string }) => e.name)).toEqual([
        'pos.payment.completed',
        'pos.payment.failed',
        'pos.payment.cancelled',
        'pos.payment.denied',
        'pos.payment.reversed',
        'account.out-bank-transfer.initiated',
        'account.out-bank-transfer.failed',
        'account.out-bank-transfer.approved',
      ]);
      expect(res.json().pagination).toEqual({ page: 1, size: 20, total: 8 });
      const page2 = (await get(op, '/v1/events?page=2&size=3')).json();
      expect(page2.events.map((e: { name: string }) => e.name)).toEqual(['pos.payment.denied', 'pos.payment.reversed', 'account.out-bank-transfer.initiated']);
      expect(page2.pagination).toEqual({ page: 2, size: 3, total: 8 });
    });
  });

  describe('subscriptions', () => {
    it('webhook_id may be omitted when the merchant has exactly one webhook; object shape as myPOS', async () => {
      const solo = (await t.credential({ merchantId: 'merchant-solo' })).auth;
      const none = await call(t.app(), 'POST', '/v1/subscriptions', solo, { event_id: COMPLETED.id });
      expect(none.statusCode).toBe(422);
      const hook = (await call(t.app(), 'POST', '/v1/webhooks', solo, { payload_url: 'https://example.com/solo', secret: 'topsecret' })).json();
      const res = await call(t.app(), 'POST', '/v1/subscriptions', solo, `event_id=${COMPLETED.id}&filter=${encodeURIComponent('{"tids":["12345678"]}')}`);
      expect(res.statusCode).toBe(201);
      expect(res.json()).toEqual({
        id: expect.any(String),
        created_on: expect.stringMatching(RFC1123),
        event: 'pos.payment.completed',
        event_id: COMPLETED.id,
        filter: { tids: ['12345678'] },
        hook: { id: hook.id, created_on: hook.created_on, is_active: true, payload_url: 'https://example.com/solo' },
      });
      expect(res.body).not.toContain('topsecret');

      await call(t.app(), 'POST', '/v1/webhooks', solo, { payload_url: 'https://example.com/second', secret: 'x' });
      const ambiguous = await call(t.app(), 'POST', '/v1/subscriptions', solo, { event_id: COMPLETED.id });
      expect(ambiguous.statusCode).toBe(422);
      expect(ambiguous.json().field).toBe('webhook_id');
    });

    it('GET list and one, PUT replaces event and filter, DELETE → 204 then 404', async () => {
      const m = (await t.credential({ merchantId: 'merchant-sub' })).auth;
      const hook = (await call(t.app(), 'POST', '/v1/webhooks', m, { payload_url: 'https://example.com/x', secret: 'x' })).json();
      const sub = (await call(t.app(), 'POST', '/v1/subscriptions', m, { webhook_id: hook.id, event_id: COMPLETED.id, filter: { tids: ['A1'] } })).json();
      const list = (await get(m, '/v1/subscriptions')).json();
      expect(list.subscriptions).toHaveLength(1);
      expect(list.pagination).toEqual({ page: 1, size: 20, total: 1 });
      const put = await call(t.app(), 'PUT', `/v1/subscriptions/${sub.id}`, m, { event_id: 'pos.payment.failed' });
      expect(put.statusCode).toBe(200);
      expect(put.json()).toMatchObject({ event: 'pos.payment.failed', event_id: EVENT_TYPES[1]!.id, filter: null, hook: { id: hook.id } });
      expect((await get(m, `/v1/subscriptions/${sub.id}`)).json().event).toBe('pos.payment.failed');
      // The filter alone, as the official JS SDK's update-webhook-subscription.js sends it: the event stays.
      const filterOnly = await call(t.app(), 'PUT', `/v1/subscriptions/${sub.id}`, m, `filter=${encodeURIComponent('{"tids":["B2"]}')}`);
      expect(filterOnly.statusCode).toBe(200);
      expect(filterOnly.json()).toMatchObject({ event: 'pos.payment.failed', filter: { tids: ['B2'] } });
      expect((await call(t.app(), 'DELETE', `/v1/subscriptions/${sub.id}`, m)).statusCode).toBe(204);
      expect((await get(m, `/v1/subscriptions/${sub.id}`)).statusCode).toBe(404);
    });

    it('PUT without event_id on a subscription whose stored event is not in the catalogue → 422 event_id, never 500', async () => {
      const m = (await t.credential({ merchantId: 'merchant-gone' })).auth;
      const hook = (await call(t.app(), 'POST', '/v1/webhooks', m, { payload_url: 'https://example.com/x', secret: 'x' })).json();
      const id = '01900000-0000-7000-8000-00000000abcd';
      const owner = { owner: 'merchant:merchant-gone', environment: 'sandbox' as const };
      await t.store.webhooks.createSubscription({ id, ...owner, webhookId: hook.id, eventId: 'an-event-no-longer-listed', filter: null, createdAt: t.clock.now(), deletedAt: null });
      const res = await call(t.app(), 'PUT', `/v1/subscriptions/${id}`, m, { filter: { tids: ['A1'] } });
      expect(res.statusCode).toBe(422);
      expect(res.json().field).toBe('event_id');
    });

    it('deleting a webhook deletes its subscriptions', async () => {
      const m = (await t.credential({ merchantId: 'merchant-del' })).auth;
      const hook = (await call(t.app(), 'POST', '/v1/webhooks', m, { payload_url: 'https://example.com/x', secret: 'x' })).json();
      const sub = (await call(t.app(), 'POST', '/v1/subscriptions', m, { event_id: COMPLETED.id })).json();
      await call(t.app(), 'DELETE', `/v1/webhooks/${hook.id}`, m);
      expect((await get(m, `/v1/subscriptions/${sub.id}`)).statusCode).toBe(404);
    });

    it('POST /fake is sandbox only: production → 403 sandbox_only', async () => {
      const prod = (await t.credential({ merchantId: 'merchant-p', environment: 'production' })).auth;
      const hook = (await call(t.app('production'), 'POST', '/v1/webhooks', prod, { payload_url: 'https://example.com/p', secret: 'x' })).json();
      const sub = (await call(t.app('production'), 'POST', '/v1/subscriptions', prod, { webhook_id: hook.id, event_id: COMPLETED.id })).json();
      const res = await call(t.app('production'), 'POST', `/v1/subscriptions/${sub.id}/fake`, prod);
      expect(res.statusCode).toBe(403);
      expect(res.json().error).toBe('sandbox_only');
      expect((await call(t.app('production'), 'GET', '/v1/notifications', prod)).json().pagination.total).toBe(0);
    });
  });

  describe('pagination', () => {
    it('?page=&size= answered with pagination {page, size, total}', async () => {
      const m = (await t.credential({ merchantId: 'merchant-pages' })).auth;
      for (let i = 0; i < 5; i++) await call(t.app(), 'POST', '/v1/webhooks', m, { payload_url: `https://example.com/${i}`, secret: 'x' });
      const p = (await get(m, '/v1/webhooks?page=2&size=2')).json();
      expect(p.pagination).toEqual({ page: 2, size: 2, total: 5 });
      expect(p.webhooks.map((w: { payload_url: string }) => w.payload_url)).toEqual(['https://example.com/2', 'https://example.com/3']);
      const last = (await get(m, '/v1/webhooks?page=3&size=2')).json();
      expect(last.webhooks).toHaveLength(1);
      expect(last.pagination.total).toBe(5);
      expect((await get(m, '/v1/webhooks?page=9&size=2')).json()).toEqual({ webhooks: [], pagination: { page: 9, size: 2, total: 5 } });
      // A page that is exactly full, and the empty one after it, still count the whole list.
      expect((await get(m, '/v1/webhooks?page=1&size=5')).json().pagination.total).toBe(5);
      expect((await get(m, '/v1/webhooks?page=2&size=5')).json().pagination).toEqual({ page: 2, size: 5, total: 5 });
      expect((await get(m, '/v1/webhooks?page=1&size=6')).json().pagination.total).toBe(5);
    });

    it.each([['page=0'], ['page=-1'], ['page=abc'], ['size=0'], ['size=101'], ['size=1.5'], ['page=1&page=2']])(
      'bad pagination %s → 400 invalid_request',
      async (q) => {
        for (const path of ['/v1/webhooks', '/v1/subscriptions', '/v1/events', '/v1/notifications']) {
          const res = await get(op, `${path}?${q}`);
          expect(res.statusCode).toBe(400);
          expect(res.json().error).toBe('invalid_request');
        }
      },
    );
  });

  describe('bad bodies: 400 when the body cannot be read, 422 when a field is wrong, never 500', () => {
    const json = (v: unknown) => ({ 'content-type': 'application/json', payload: JSON.stringify(v) });
    const rows: Array<[string, string, string, { 'content-type'?: string; payload?: string }, number, string]> = [
      ['malformed JSON', 'POST', '/v1/webhooks', { 'content-type': 'application/json', payload: '{"payload_url":' }, 400, 'invalid_request'],
      ['JSON array', 'POST', '/v1/webhooks', { 'content-type': 'application/json', payload: '[]' }, 400, 'invalid_request'],
      ['text/plain', 'POST', '/v1/webhooks', { 'content-type': 'text/plain', payload: 'payload_url=https://example.com' }, 400, 'invalid_request'],
      ['no body: no fields (RFC 9110 §8.6), so the field is missing', 'POST', '/v1/webhooks', {}, 422, 'payload_url'],
      ['field twice', 'POST', '/v1/webhooks', { 'content-type': 'application/x-www-form-urlencoded', payload: 'payload_url=https%3A%2F%2Fa.com&payload_url=https%3A%2F%2Fb.com' }, 400, 'invalid_request'],
      ['missing payload_url', 'POST', '/v1/webhooks', json({ secret: 'x' }), 422, 'payload_url'],
      ['payload_url not a string', 'POST', '/v1/webhooks', json({ payload_url: 42 }), 422, 'payload_url'],
      ['relative payload_url', 'POST', '/v1/webhooks', json({ payload_url: '/hook' }), 422, 'payload_url'],
      ['ftp payload_url', 'POST', '/v1/webhooks', json({ payload_url: 'ftp://example.com/x' }), 422, 'payload_url'],
      ['javascript: payload_url', 'POST', '/v1/webhooks', json({ payload_url: 'javascript:alert(1)' }), 422, 'payload_url'],
      ['credentials in payload_url', 'POST', '/v1/webhooks', json({ payload_url: 'https://u:p@example.com/x' }), 422, 'payload_url'],
      ['SSRF: cloud metadata, even in the sandbox', 'POST', '/v1/webhooks', json({ payload_url: 'http://169.254.169.254/latest/meta-data' }), 422, 'payload_url'],
      ['SSRF: private network', 'POST', '/v1/webhooks', json({ payload_url: 'http://10.0.0.5/x' }), 422, 'payload_url'],
      ['SSRF: IPv4-mapped private', 'POST', '/v1/webhooks', json({ payload_url: 'http://[::ffff:192.168.1.1]/x' }), 422, 'payload_url'],
      ['secret over 32 characters', 'POST', '/v1/webhooks', json({ payload_url: 'https://example.com/x', secret: 'x'.repeat(33) }), 422, 'secret'],
      ['secret not a string', 'POST', '/v1/webhooks', json({ payload_url: 'https://example.com/x', secret: ['a'] }), 422, 'secret'],
      ['secret with control characters', 'POST', '/v1/webhooks', json({ payload_url: 'https://example.com/x', secret: 'a\nb' }), 422, 'secret'],
      ['is_active not boolean', 'POST', '/v1/webhooks', json({ payload_url: 'https://example.com/x', is_active: 'maybe' }), 422, 'is_active'],
      ['subscription naming a webhook that does not exist', 'POST', '/v1/subscriptions', json({ webhook_id: 'x' }), 422, 'webhook_id'],
      ['subscription with unknown webhook', 'POST', '/v1/subscriptions', json({ webhook_id: 'nope', event_id: COMPLETED.id }), 422, 'webhook_id'],
      ['subscription with a filter that is not an object', 'POST', '/v1/subscriptions', json({ event_id: COMPLETED.id, filter: 'tids' }), 422, 'filter'],
      ['subscription with an unknown filter key', 'POST', '/v1/subscriptions', json({ event_id: COMPLETED.id, filter: { amount: 5 } }), 422, 'filter'],
      ['subscription with bad tids', 'POST', '/v1/subscriptions', json({ event_id: COMPLETED.id, filter: { tids: [1, 2] } }), 422, 'filter'],
      ['a __proto__ field is an ordinary unknown field', 'POST', '/v1/webhooks', { 'content-type': 'application/json', payload: '{"__proto__":{"payload_url":"https://x.com"}}' }, 422, 'payload_url'],
    ];

    it.each(rows)('%s → %i', async (_name, method, url, body, status, errorOrField) => {
      // A merchant with exactly one webhook, so subscription rows fail on the field under test.
      const m = (await t.credential({ merchantId: `merchant-bad-${Math.random()}` })).auth;
      await call(t.app(), 'POST', '/v1/webhooks', m, { payload_url: 'https://example.com/only', secret: 'x' });
      const headers: Record<string, string> = { authorization: m };
      if (body['content-type']) headers['content-type'] = body['content-type'];
      const res = await t.app().inject({ method: method as 'POST', url, headers, payload: body.payload });
      expect(res.statusCode).toBe(status);
      if (status === 400) expect(res.json().error).toBe(errorOrField);
      else expect(res.json()).toMatchObject({ error: 'invalid_field', field: errorOrField });
    });

    it('subscription event_id missing → 422 event_id', async () => {
      const m = (await t.credential({ merchantId: 'merchant-ev' })).auth;
      await call(t.app(), 'POST', '/v1/webhooks', m, { payload_url: 'https://example.com/only', secret: 'x' });
      const res = await call(t.app(), 'POST', '/v1/subscriptions', m, { filter: null });
      expect(res.statusCode).toBe(422);
      expect(res.json().field).toBe('event_id');
    });

    it('production refuses http and loopback payload URLs; the sandbox takes them', async () => {
      const prod = (await t.credential({ environment: 'production' })).auth;
      for (const url of ['http://example.com/x', 'https://127.0.0.1/x', 'https://localhost/x', 'https://[::1]/x', 'https://0x7f.1/x', 'https://2130706433/x']) {
        const res = await call(t.app('production'), 'POST', '/v1/webhooks', prod, { payload_url: url });
        expect(res.statusCode, url).toBe(422);
      }
      for (const url of ['http://127.0.0.1:8000/x', 'http://localhost:3000/hook', 'http://[::1]:9/x']) {
        const res = await call(t.app(), 'POST', '/v1/webhooks', op, { payload_url: url });
        expect(res.statusCode, url).toBe(201);
      }
    });
  });
});

describe.each(BACKENDS)('Webhook API › hostile input never gets a 500 on $name', (backend) => {
  let t: WebhookTestServer;
  let auth: string;
  let ids: { hook: string; sub: string };
  beforeAll(async () => {
    t = await createWebhookTestServer({ backend });
    auth = (await t.credential({ merchantId: 'fuzz' })).auth;
    const hook = (await call(t.app(), 'POST', '/v1/webhooks', auth, { payload_url: 'https://example.com/f', secret: 'x' })).json();
    const sub = (await call(t.app(), 'POST', '/v1/subscriptions', auth, { event_id: COMPLETED.id })).json();
    ids = { hook: hook.id, sub: sub.id };
  });
  afterAll(() => t.close());

  const bodies: Array<[string | undefined, string | undefined]> = [
    ['application/json', '{"payload_url":{"$gt":""},"secret":{},"is_active":[],"event_id":1,"webhook_id":null,"filter":{"tids":{}}}'],
    ['application/json', '{"payload_url":"https://example.com/' + 'a'.repeat(3000) + '"}'],
    ['application/json', '{"payload_url":"https://[::ffff:zz]/","event_id":"' + '\\u0000'.repeat(10) + '"}'],
    ['application/json', '{"webhook_id":"a\\u0000b","event_id":"pos.payment.completed"}'],
    ['application/json', 'null'],
    ['application/json', '"string"'],
    ['application/json', '{"filter":"{\\"tids\\":[\\"' + 'x'.repeat(40) + '\\"]}","event_id":"pos.payment.completed"}'],
    ['application/x-www-form-urlencoded', 'payload_url=%zz&secret=%E0%A4%A&is_active=%00'],
    ['application/x-www-form-urlencoded', 'filter=%7B%22tids%22%3A%5B%5D%7D&event_id=' + 'z'.repeat(5000)],
    ['application/x-www-form-urlencoded', 'payload_url=https%3A%2F%2Fexample.com%2F&payload_url[]=x'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="payload_url"\r\n\r\nhttps://e.com\r\n--x--'],
    ['application/json; charset=utf-16', '{}'],
    [undefined, undefined],
  ];
  const routes = (): Array<[string, string]> => [
    ['POST', '/v1/webhooks'],
    ['PATCH', `/v1/webhooks/${ids.hook}`],
    ['PUT', `/v1/webhooks/${ids.hook}`],
    ['POST', '/v1/subscriptions'],
    ['PUT', `/v1/subscriptions/${ids.sub}`],
    ['POST', `/v1/subscriptions/${ids.sub}/fake`],
    ['GET', '/v1/webhooks?page=1e3&size=%00'],
    ['GET', `/v1/webhooks/${'%E0%A4%A'}`],
    ['DELETE', `/v1/subscriptions/${'x'.repeat(2000)}`],
    ['GET', '/v1/webhooks/a%00b'],
    ['DELETE', '/v1/webhooks/%00'],
    ['PUT', '/v1/subscriptions/%00'],
    ['POST', '/v1/subscriptions/%00/fake'],
  ];

  it('every route × every hostile body answers 2xx/4xx', async () => {
    for (const [method, url] of routes()) {
      for (const [type, payload] of bodies) {
        const headers: Record<string, string> = { authorization: auth };
        if (type) headers['content-type'] = type;
        const res = await t.app().inject({ method: method as 'POST', url, headers, payload });
        expect(res.statusCode, `${method} ${url.slice(0, 60)} ${type} ${payload?.slice(0, 40)}`).toBeLessThan(500);
      }
    }
  });
});

describe('Webhook API › the operator flag', () => {
  it('dangerouslyAllowAnyWebhookTarget lets production register http and private targets', async () => {
    const t = await createWebhookTestServer({ config: { dangerouslyAllowAnyWebhookTarget: true } });
    try {
      const prod = (await t.credential({ environment: 'production' })).auth;
      const res = await call(t.app('production'), 'POST', '/v1/webhooks', prod, { payload_url: 'http://10.1.2.3/x' });
      expect(res.statusCode).toBe(201);
    } finally {
      await t.close();
    }
  });
});
