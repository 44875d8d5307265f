import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createClient } from '../../src/core/client-management.js';
import type { RunningServer } from '../../src/server.js';
import { httpDeliverer } from '../../src/webhooks/delivery.js';
import { targetPolicy } from '../../src/webhooks/target-policy.js';
import { sqliteBackend } from '../helpers/backends.js';
import { startServer } from '../helpers/start-server.js';
import { basic } from '../helpers/test-server.js';
import { startReceiver } from './helpers.js';

/**
 * Sandbox webhooks may target loopback (an integrator's own machine), but never this server's own
 * listeners: anyone who signs up could otherwise make the server POST to its production listener (or the
 * metrics listener) and read the status codes back through /v1/notifications.
 */
describe("webhooks › the server's own listeners are not a webhook target (real sockets)", () => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  let auth: string;
  const port = (env: 'sandbox' | 'production') => Number(new URL(server.urls[env]).port);

  beforeAll(async () => {
    const created = await sqliteBackend.create();
    cleanup = created.cleanup;
    const config = resolveConfig({ db: created.url, serverKey: 'a'.repeat(64), logLevel: 'silent', host: '127.0.0.1', sandboxPort: 0, productionPort: 0, metricsPort: 23150, metricsHost: '127.0.0.1' });
    server = await startServer(config, { store: created.store });
    const { client, secret } = await createClient(
      { clients: created.store.clients, hasher: server.hasher, clock: { now: () => Math.floor(Date.now() / 1000) } },
      { environment: 'sandbox', name: 'integrator', scopes: ['webhooks'] },
    );
    const token = await fetch(`${server.urls.sandbox}/oauth/token`, {
      method: 'POST',
      headers: { authorization: basic(client.id, secret!), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=webhooks',
    });
    auth = `Bearer ${((await token.json()) as { access_token: string }).access_token}`;
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  const create = (payloadUrl: string) =>
    fetch(`${server.urls.sandbox}/v1/webhooks`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ payload_url: payloadUrl, secret: 'x' }),
    });

  it('POST /v1/webhooks at a listener of this server, under any loopback spelling → 422 invalid_field', async () => {
    for (const env of ['production', 'sandbox'] as const) {
      for (const host of ['127.0.0.1', 'localhost', 'localhost.', '[::1]', '0.0.0.0', '[::ffff:127.0.0.1]', '127.0.0.2']) {
        const url = `http://${host}:${port(env)}/oauth/token`;
        const res = await create(url);
        expect(res.status, url).toBe(422);
        expect(await res.json(), url).toMatchObject({ error: 'invalid_field', field: 'payload_url' });
      }
    }
  });

  it('the management (metrics) listener is refused too, in any loopback spelling', async () => {
    for (const host of ['127.0.0.1', 'localhost', '[::1]']) {
      const res = await create(`http://${host}:23150/metrics`);
      expect(res.status, host).toBe(422);
    }
  });

  it('loopback on a port this server does not listen on is still accepted in the sandbox', async () => {
    const receiver = await startReceiver();
    try {
      expect((await create(receiver.url)).status).toBe(201);
    } finally {
      await receiver.close();
    }
  });

  it('at delivery, a name that resolves to this server on a listener port is refused and nothing is sent', async () => {
    // The receiver stands in for one of this server's listeners.
    const receiver = await startReceiver();
    try {
      const policy = targetPolicy('sandbox', false, { addresses: () => [{ host: '127.0.0.1', port: receiver.port }], localAddresses: () => [] });
      const resolve = ((_h: string, _o: unknown, cb: (e: null, a: Array<{ address: string; family: number }>) => void) =>
        cb(null, [{ address: '127.0.0.1', family: 4 }])) as never;
      const outcome = await httpDeliverer({ timeoutMs: 2000, resolve })(
        { url: `http://looks-public.example:${receiver.port}/hook`, event: 'e', body: '{}', signature: 't=1,v1=00', deliveryId: 'd', webhookId: 'w' },
        policy,
        new AbortController().signal,
      );
      expect(outcome).toEqual({ ok: false, status: null, error: 'refused address' });
      const literal = await httpDeliverer({ timeoutMs: 2000 })(
        { url: `http://127.0.0.1:${receiver.port}/hook`, event: 'e', body: '{}', signature: 't=1,v1=00', deliveryId: 'd', webhookId: 'w' },
        policy,
        new AbortController().signal,
      );
      expect(literal).toEqual({ ok: false, status: null, error: 'refused URL: must not point to this server itself' });
      expect(receiver.received).toHaveLength(0);
    } finally {
      await receiver.close();
    }
  });
});
