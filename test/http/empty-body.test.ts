import type { HTTPMethods } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPES } from '../../src/webhooks/events.js';
import { AccountAgent } from '../account/agent.js';
import { basic } from '../helpers/test-server.js';
import { call, createWebhookTestServer, type WebhookTestServer } from '../webhooks/helpers.js';

// RFC 9110 §8.6: Content-Length 0 is no content. Both myPOS SDKs send `Content-Type: application/json` on
// every call, DELETE and body-less POSTs included; such a request has nothing to parse, so nothing malformed.
describe('RFC 9110 §8.6 › an empty body is no body, whatever Content-Type says', () => {
  let t: WebhookTestServer;
  let auth: string;
  let client: { id: string; secret: string; token: string; auth: string };
  beforeAll(async () => {
    t = await createWebhookTestServer();
    client = await t.credential({ merchantId: 'empty-body' });
    auth = client.auth;
  });
  afterAll(() => t.close());

  /** A request exactly as the SDKs send it: a media type, Content-Length: 0 and no bytes. */
  const empty = (method: HTTPMethods, url: string, type: string, headers: Record<string, string> = {}) =>
    t.app().inject({ method, url, headers: { 'content-type': type, 'content-length': '0', ...headers }, payload: '' });

  const newSubscription = async () => {
    const hook = (await call(t.app(), 'POST', '/v1/webhooks', auth, { payload_url: 'http://127.0.0.1:9/hook', secret: 'empty-body-secret' })).json();
    const sub = (await call(t.app(), 'POST', '/v1/subscriptions', auth, { webhook_id: hook.id, event_id: EVENT_TYPES[0]!.id })).json();
    return { hook, sub };
  };

  for (const type of ['application/json', 'application/json; charset=utf-8']) {
    it(`DELETE /v1/webhooks/{id}, DELETE /v1/subscriptions/{id}, POST …/fake with ${type} and no bytes → they work`, async () => {
      const { hook, sub } = await newSubscription();
      const bearer = { authorization: auth };
      const fake = await empty('POST', `/v1/subscriptions/${sub.id}/fake`, type, bearer);
      expect(fake.statusCode, fake.body).toBe(202);
      const unsubscribe = await empty('DELETE', `/v1/subscriptions/${sub.id}`, type, bearer);
      expect(unsubscribe.statusCode, unsubscribe.body).toBe(204);
      const remove = await empty('DELETE', `/v1/webhooks/${hook.id}`, type, bearer);
      expect(remove.statusCode, remove.body).toBe(204);
    });
  }

  // No body at all is no fields too: the route's own rules decide, as for an empty form.
  for (const type of ['application/json', 'text/plain', undefined]) {
    it(`PATCH /v1/webhooks/{id} with ${type ?? 'no Content-Type'} and no bytes → 200, nothing changed`, async () => {
      const { hook } = await newSubscription();
      const res =
        type === undefined
          ? await t.app().inject({ method: 'PATCH', url: `/v1/webhooks/${hook.id}`, headers: { authorization: auth } })
          : await empty('PATCH', `/v1/webhooks/${hook.id}`, type, { authorization: auth });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ id: hook.id, payload_url: hook.payload_url, is_active: true });
    });
  }

  it('POST /v1/webhooks with application/json and no bytes → 422 payload_url is required (not "Malformed JSON")', async () => {
    const res = await empty('POST', '/v1/webhooks', 'application/json', { authorization: auth });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: 'invalid_field', field: 'payload_url' });
  });

  it('POST /oauth/revoke with application/json and no bytes → 400 for the missing token, not for the body', async () => {
    const res = await empty('POST', '/oauth/revoke', 'application/json', { authorization: basic(client.id, client.secret) });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'invalid_request', error_description: 'Missing parameter: token' });
  });

  it('POST /account/api/credentials/{id}/revoke-tokens with application/json and no bytes → 200', async () => {
    const a = new AccountAgent(t.app());
    await a.signup('empty-body@example.com');
    const { id } = await a.generate('sandbox');
    const csrf = await a.csrf();
    const res = await empty('POST', `/account/api/credentials/${id}/revoke-tokens`, 'application/json', {
      host: 'sandbox.test',
      cookie: a.cookieHeader(),
      accept: 'application/json',
      'x-csrf-token': csrf,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ client_id: id, revoked_tokens: 0 });
  });

  describe('a non-empty body that does not parse is still a 400', () => {
    const cases: Array<[string, HTTPMethods, string, string, () => Record<string, string>]> = [
      ['PATCH /v1/webhooks/{id}', 'PATCH', '/v1/webhooks/00000000-0000-7000-8000-000000000000', '{', () => ({ authorization: auth })],
      ['DELETE /v1/subscriptions/{id}', 'DELETE', '/v1/subscriptions/00000000-0000-7000-8000-000000000000', 'not json', () => ({ authorization: auth })],
      ['POST /oauth/revoke', 'POST', '/oauth/revoke', ' ', () => ({ authorization: basic(client.id, client.secret) })],
      ['POST /v1/webhooks (JSON that is not an object)', 'POST', '/v1/webhooks', '[]', () => ({ authorization: auth })],
    ];
    it.each(cases)('%s → 400 invalid_request', async (_name, method, url, payload, headers) => {
      const res = await t.app().inject({ method, url, headers: { 'content-type': 'application/json', ...headers() }, payload });
      expect(res.statusCode).toBe(400);
      expect(res.json().error).toBe('invalid_request');
    });
  });
});
