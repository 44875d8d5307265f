import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createClient } from '../../src/core/client-management.js';
import { sqliteBackend } from '../helpers/backends.js';
import { startServer } from '../helpers/start-server.js';
import type { LightMyRequestResponse } from 'fastify';
import { basic, createTestServer, FORM, type TestServer } from '../helpers/test-server.js';

/** light-my-request sends an array value as that header repeated; its types only name single values. */
const repeated = (headers: Record<string, string | string[]>) => headers as unknown as Record<string, string>;

/**
 * RFC 9110 §5.3 / RFC 6749 §2.3: a request with more than one Authorization header is refused with 400
 * invalid_request, whatever their order. Node keeps the first and drops the rest: before, right-then-wrong
 * got a token and wrong-then-right a 401, while a proxy reading the last header would have disagreed.
 */
describe('more than one Authorization header → 400 invalid_request', () => {
  let t: TestServer;
  let right: string;
  let wrong: string;
  let token: string;
  beforeAll(async () => {
    t = await createTestServer();
    const c = await t.client();
    right = basic(c.id, c.secret);
    wrong = basic(c.id, 'x'.repeat(48));
    const res = await t.app().inject({ method: 'POST', url: '/oauth/token', payload: 'grant_type=client_credentials&scope=webhooks', headers: { ...FORM, authorization: right } });
    token = res.json().access_token;
  });
  afterAll(() => t.close());

  const post = (url: string, payload: string, authorization: string[]): Promise<LightMyRequestResponse> => t.app().inject({ method: 'POST', url, payload, headers: repeated({ ...FORM, authorization }) });

  it.each([
    ['/oauth/token', 'grant_type=client_credentials'],
    ['/oauth/revoke', 'token=abc'],
    ['/oauth/introspect', 'token=abc'],
  ])('%s: right-then-wrong, wrong-then-right and right twice are all refused', async (url, body) => {
    for (const pair of [[right, wrong], [wrong, right], [right, right]]) {
      const res = await post(url, body, pair);
      expect(res.statusCode, `${url} ${pair === undefined}`).toBe(400);
      expect(res.json()).toMatchObject({ error: 'invalid_request' });
      expect(res.body).not.toContain('access_token');
    }
  });

  it('one Authorization header still works (the check counts headers, not their content)', async () => {
    expect((await post('/oauth/token', 'grant_type=client_credentials', [right])).statusCode).toBe(200);
  });

  it('Webhook API (RFC 6750 §3.1): two bearer headers → 400 with error="invalid_request" in the challenge, in either order', async () => {
    for (const pair of [[`Bearer ${token}`, 'Bearer nope'], ['Bearer nope', `Bearer ${token}`], [`Bearer ${token}`, right]]) {
      const res = await t.app().inject({ method: 'GET', url: '/v1/webhooks', headers: repeated({ authorization: pair }) });
      expect(res.statusCode).toBe(400);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="api", error="invalid_request"');
      expect(res.json()).toMatchObject({ error: 'invalid_request' });
    }
    const one = await t.app().inject({ method: 'GET', url: '/v1/webhooks', headers: { authorization: `Bearer ${token}` } });
    expect(one.statusCode).toBe(200);
  });
});

describe('more than one Authorization header, on a real socket', () => {
  it('POST /oauth/token with the right credentials first and wrong ones second → 400, no token', async () => {
    const created = await sqliteBackend.create();
    const server = await startServer(resolveConfig({ db: created.url, serverKey: 'a'.repeat(64), logLevel: 'silent', sandboxPort: 0, productionPort: 0 }), { store: created.store });
    try {
      const { client, secret } = await createClient(
        { clients: created.store.clients, hasher: server.hasher, clock: { now: () => Math.floor(Date.now() / 1000) } },
        { environment: 'sandbox', name: 'c', scopes: ['webhooks'] },
      );
      const url = new URL(server.urls.sandbox);
      const body = 'grant_type=client_credentials';
      const request = [
        'POST /oauth/token HTTP/1.1',
        `Host: ${url.host}`,
        `Authorization: ${basic(client.id, secret!)}`,
        `authorization: ${basic(client.id, 'y'.repeat(48))}`,
        'Content-Type: application/x-www-form-urlencoded',
        `Content-Length: ${body.length}`,
        'Connection: close',
        '',
        body,
      ].join('\r\n');
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(url.port), url.hostname, () => socket.end(request));
        let data = '';
        socket.on('data', (d) => (data += d.toString('utf8')));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toContain('"error":"invalid_request"');
      expect(answer).not.toContain('access_token');
    } finally {
      await server.close();
      await created.cleanup();
    }
  });
});
