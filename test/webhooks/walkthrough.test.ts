import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createClient } from '../../src/core/client-management.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../helpers/start-server.js';
import { verifyWebhookSignature } from '../../packages/client/src/index.js';
import { verifiesLikeTheMyposDocs } from '../helpers/mypos-docs-verifier.js';
import { sqliteBackend } from '../helpers/backends.js';
import { startReceiver } from './helpers.js';

/**
 * The walkthrough of docs/webhook-api.md over real sockets, with the worker on its real timers: token → webhook →
 * subscription → sandbox fake → a signed delivery the receiver verifies.
 */
describe('Webhook API › the docs/webhook-api.md walkthrough, end to end over HTTP', () => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let client: { id: string; secret: string };

  beforeAll(async () => {
    const created = await sqliteBackend.create();
    cleanup = created.cleanup;
    const config = resolveConfig({ db: created.url, serverKey: 'c'.repeat(64), logLevel: 'silent', sandboxPort: 0, productionPort: 0, webhookPollIntervalMs: 50 });
    server = await startServer(config, { store: created.store });
    const made = await createClient(
      { clients: created.store.clients, hasher: server.hasher, clock: { now: () => Math.floor(Date.now() / 1000) } },
      { environment: 'sandbox', name: 'integrator', scopes: ['webhooks'] },
    );
    client = { id: made.client.id, secret: made.secret! };
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await server.close();
    await cleanup();
  });

  it('a client gets a token, registers a webhook, subscribes, fakes an event and receives it signed', async () => {
    const base = server.urls.sandbox;
    const tokenRes = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from(`${client.id}:${client.secret}`).toString('base64'), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=webhooks',
    });
    const { access_token } = (await tokenRes.json()) as { access_token: string };
    const api = (path: string, body?: string) =>
      fetch(`${base}/v1${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${access_token}`, ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
        body,
      });

    const hook = await api('/webhooks', `payload_url=${encodeURIComponent(receiver.url)}&secret=walkthrough-secret`);
    expect(hook.status).toBe(201);
    const sub = await api('/subscriptions', 'event_id=pos.payment.completed');
    expect(sub.status).toBe(201);
    const { id } = (await sub.json()) as { id: string };
    const fake = await api(`/subscriptions/${id}/fake`);
    expect(fake.status).toBe(202);

    await receiver.waitFor(1);
    const got = receiver.received[0]!;
    expect(got.headers['x-mypos-event']).toBe('pos.payment.completed');
    const signature = got.headers['x-mypos-signature'] as string;
    // What the docs' receiver.mjs does (the myPOS docs' check of v1), and the SDK's check of v2.
    expect(verifiesLikeTheMyposDocs('walkthrough-secret', signature, got.body)).toBe(true);
    expect(verifyWebhookSignature(got.body, signature, 'walkthrough-secret')).toMatchObject({ version: 'v2' });
  });

  it("docs/webhook-api.md's receiver.mjs, run as written, verifies a real delivery (the myPOS docs' v1 check)", async () => {
    const page = readFileSync(new URL('../../docs/webhook-api.md', import.meta.url), 'utf8');
    const code = /A receiver that checks the signature[^\n]*\n\n```js\n([\s\S]*?)\n```/.exec(page)?.[1];
    expect(code, 'the receiver example in docs/webhook-api.md').toContain('.listen(4000)');
    const dir = mkdtempSync(join(tmpdir(), 'mypos-readme-receiver-'));
    // Only the port changes (tests listen on port 0); the child prints the one it got.
    writeFileSync(join(dir, 'receiver.mjs'), code!.replace('.listen(4000)', ".listen(0, '127.0.0.1', function () { console.log('port', this.address().port); })"));
    const child = spawn(process.execPath, [join(dir, 'receiver.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const waiting: Array<{ text: string; resolve: () => void }> = [];
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      for (const w of waiting.filter((w) => out.includes(w.text))) w.resolve();
    });
    const seen = (text: string) => new Promise<void>((resolve) => (out.includes(text) ? resolve() : waiting.push({ text, resolve })));
    try {
      await seen('port ');
      const port = /port (\d+)/.exec(out)![1];
      const base = server.urls.sandbox;
      const tokenRes = await fetch(`${base}/oauth/token`, {
        method: 'POST',
        headers: { authorization: 'Basic ' + Buffer.from(`${client.id}:${client.secret}`).toString('base64'), 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&scope=webhooks',
      });
      const { access_token } = (await tokenRes.json()) as { access_token: string };
      const api = async (path: string, body?: string) =>
        (await fetch(`${base}/v1${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${access_token}`, ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
          body,
        }).then((r) => r.json())) as { id: string };
      const hook = await api('/webhooks', `payload_url=${encodeURIComponent(`http://127.0.0.1:${port}/hook`)}&secret=my-webhook-secret`);
      const sub = await api('/subscriptions', `webhook_id=${hook.id}&event_id=pos.payment.completed`);
      await api(`/subscriptions/${sub.id}/fake`);
      await seen('pos.payment.completed');
      expect(out).toMatch(/^verified pos\.payment\.completed \{/m);
    } finally {
      child.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
