/// <reference lib="dom" />
import { createHmac } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createClient } from '../../src/core/client-management.js';
import type { RunningServer } from '../../src/server.js';
import type { Environment } from '../../src/storage/types.js';
import { EVENT_TYPES } from '../../src/webhooks/events.js';
import { manualScheduler } from '../../src/webhooks/worker.js';
import { HAVE_CHROMIUM, launchChromium, requireChromium, type LaunchedBrowser } from '../helpers/chromium.js';
import { startServer } from '../helpers/start-server.js';
import { TestClock } from '../helpers/test-server.js';
import { startReceiver } from '../webhooks/helpers.js';

/**
 * A merchant's webhooks in a real browser (Debian's Chromium through playwright-core) against a real listening
 * server and a real receiver: the webhook with its subscriptions and a failed delivery, resend, secret roll,
 * pause and resume, production re-authentication, and another merchant's ids. The delivery worker runs on a
 * manual scheduler so the test says when it works. UPDATE_SCREENSHOTS=1 writes docs/screenshots/webhook*.png.
 */
requireChromium('the webhook pages browser test');
const PASSWORD = 'correct horse battery staple';
const POLL = { timeout: 15_000, interval: 50 };
const SHOTS = process.env.UPDATE_SCREENSHOTS ? join(process.cwd(), 'docs', 'screenshots') : mkdtempSync(join(tmpdir(), 'mypos-shots-'));
const COMPLETED = EVENT_TYPES[0]!;
const hmac = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('hex');
const v1s = (header: string) => header.split(',').filter((p) => p.startsWith('v1=')).map((p) => p.slice(3));

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

describe.skipIf(!HAVE_CHROMIUM)('web account › webhooks in a real browser', () => {
  let server: RunningServer;
  let dir: string;
  let base: string;
  const clock = new TestClock();
  const browsers: LaunchedBrowser[] = [];
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mypos-hooks-e2e-'));
    const config = resolveConfig({ db: `sqlite:${join(dir, 'db.sqlite')}`, serverKey: 'e'.repeat(64), sandboxPort: 0, productionPort: 0, logLevel: 'silent', drainDelayMs: 0 });
    server = await startServer(config, { clock, webhooks: { scheduler: manualScheduler, random: () => 1 } });
    base = server.urls.sandbox;
  });
  afterAll(async () => {
    for (const b of browsers) await b.close();
    for (const c of closers) await c();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The Webhook API over HTTP with a token of a new credential of `merchantId`. */
  async function webhookApi(merchantId: string, environment: Environment) {
    const { client, secret } = await createClient(
      { clients: server.store.clients, hasher: server.hasher, clock },
      { environment, name: 'Shop backend', scopes: ['webhooks'], merchantId },
    );
    const origin = server.urls[environment];
    const token = await fetch(`${origin}/oauth/token`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from(`${client.id}:${secret}`).toString('base64'), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=webhooks',
    }).then(async (r) => ((await r.json()) as { access_token: string }).access_token);
    return async (method: string, path: string, body?: Record<string, unknown>) => {
      const res = await fetch(`${origin}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      return res.json() as Promise<Record<string, string>>;
    };
  }

  async function signUp(email: string): Promise<Page> {
    const browser = await launchChromium();
    browsers.push(browser);
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    await page.goto(`${base}/account/signup`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => new URL(page.url()).pathname, POLL).toBe('/account/sandbox');
    return page;
  }

  it('sees a webhook, its subscriptions and a failed delivery; resends it; rolls the secret; pauses and resumes; production asks for the password; another merchant gets 404', async () => {
    // The receiver answers the first delivery with a redirect (a failure, not followed), then acknowledges.
    const receiver = await startReceiver((n) => (n === 0 ? 302 : 204));
    closers.push(receiver.close);
    const page = await signUp('hooks@example.com');
    const merchantId = (await server.store.merchants.findByEmail('hooks@example.com'))!.id;
    const api = await webhookApi(merchantId, 'sandbox');
    const hook = await api('POST', '/v1/webhooks', { payload_url: receiver.url, secret: 'first-secret-0001' });
    const sub = await api('POST', '/v1/subscriptions', { event_id: COMPLETED.id, filter: { tids: ['TID00042'] } });
    const first = await api('POST', `/v1/subscriptions/${sub.id}/fake`);
    await server.webhooks.worker.runDue();
    expect(receiver.received).toHaveLength(1);

    // Sandbox → Webhooks: the webhook with its subscribed event, then its page.
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.waitForURL(`${base}/account/sandbox/webhooks`);
    expect(await page.getByRole('row', { name: new RegExp(receiver.url) }).textContent()).toContain('pos.payment.completed');
    await page.getByRole('link', { name: receiver.url }).click();
    await page.waitForURL(`${base}/account/sandbox/webhooks/${hook.id}`);
    expect(await page.locator('section[aria-labelledby="subs-h"] tbody').textContent()).toMatch(/pos\.payment\.completed\s*terminals TID00042/);
    const failedRow = page.locator('section[aria-labelledby="deliveries-h"] tbody tr').first();
    expect(await failedRow.locator('td[data-label="Status"]').textContent()).toBe('Retrying');
    expect(await failedRow.locator('td[data-label="Last response"]').textContent()).toBe('302');
    expect(await failedRow.locator('td[data-label="Error"]').textContent()).toBe('redirect not followed');
    await shot(page, 'webhook');

    // The delivery: its payload and attempts; resend. The receiver gets it; a reload of the result sends nothing.
    await failedRow.getByRole('link').click();
    await page.waitForURL(`${base}/account/sandbox/deliveries/${first.id}`);
    expect(await page.locator('#payload').textContent()).toContain('"tid": "TID00042"');
    await page.getByRole('button', { name: 'Resend' }).click();
    await page.waitForURL(`${base}/account/sandbox/deliveries/${first.id}?done=resent`);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.headers['x-mypos-delivery']).toBe(first.id);
    expect(await page.locator('#delivery-status').textContent()).toBe('Delivered');
    await shot(page, 'webhook-delivery');
    await page.reload();
    await page.locator('#delivery-status').waitFor();
    await page.goBack();
    await page.goForward();
    expect(receiver.received).toHaveLength(2);

    // Roll with a one-hour overlap: shown once; during the overlap the old secret still verifies.
    await page.goto(`${base}/account/sandbox/webhooks/${hook.id}`);
    await page.getByLabel('Old secret keeps signing for').selectOption({ label: '1 hour' });
    await page.getByRole('button', { name: 'Roll secret' }).click();
    await page.getByRole('heading', { name: 'Your new webhook secret' }).waitFor();
    const secret = (await page.locator('#webhook-secret').textContent())!;
    expect(secret).toMatch(/^[A-Za-z0-9]{32}$/);
    await page.reload();
    await page.getByRole('heading', { name: 'This secret was already shown' }).waitFor();
    expect(await page.content()).not.toContain(secret);
    await api('POST', `/v1/subscriptions/${sub.id}/fake`);
    await server.webhooks.worker.runDue();
    const signed = receiver.received[2]!;
    expect(v1s(signed.headers['x-mypos-signature'] as string)).toEqual([hmac(secret, signed.body), hmac('first-secret-0001', signed.body)]);

    // Pause: the next delivery waits; resume: it goes out.
    await page.getByRole('link', { name: /Back to/ }).click();
    await page.waitForURL(`${base}/account/sandbox/webhooks/${hook.id}`);
    await page.getByRole('button', { name: 'Pause webhook' }).click();
    await page.waitForURL(`${base}/account/sandbox/webhooks/${hook.id}?done=paused`);
    const waiting = await api('POST', `/v1/subscriptions/${sub.id}/fake`);
    await server.webhooks.worker.runDue();
    expect(receiver.received).toHaveLength(3);
    await page.reload();
    expect(await page.locator('section[aria-labelledby="deliveries-h"] tbody tr').first().locator('td[data-label="Status"]').textContent()).toBe('Waiting (webhook paused)');
    await page.getByRole('button', { name: 'Resume webhook' }).click();
    await page.waitForURL(`${base}/account/sandbox/webhooks/${hook.id}?done=resumed`);
    await server.webhooks.worker.runDue();
    expect(receiver.received).toHaveLength(4);
    expect(receiver.received[3]!.headers['x-mypos-delivery']).toBe(waiting.id);

    await page.getByRole('link', { name: 'Activity' }).click();
    await page.waitForURL(`${base}/account/activity`);
    const activity = (await page.locator('table').textContent())!;
    for (const name of ['Delivery sent again', 'Webhook secret rolled', 'Webhook paused', 'Webhook resumed']) expect(activity).toContain(name);

    // Production: once the login is older than 5 minutes, a change asks for the password again.
    const live = await webhookApi(merchantId, 'production');
    const liveHook = await live('POST', '/v1/webhooks', { payload_url: 'https://hooks.example.com/mypos', secret: 'live-secret-0001' });
    clock.advance(6 * 60);
    await page.goto(`${base}/account/production/webhooks/${liveHook.id}`);
    await page.locator('#pause-password').fill('not my password');
    await page.getByRole('button', { name: 'Pause webhook' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), POLL).toContain('The password is not correct.');
    expect((await live('GET', `/v1/webhooks/${liveHook.id}`)).paused_on).toBeNull();
    await page.locator('#pause-password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Pause webhook' }).click();
    await page.waitForURL(`${base}/account/production/webhooks/${liveHook.id}?done=paused`);
    expect((await live('GET', `/v1/webhooks/${liveHook.id}`)).paused_on).not.toBeNull();

    // Another merchant: the owner's webhook and delivery ids answer 404, and the forged form changes nothing.
    const intruder = await signUp('intruder@example.com');
    for (const path of [`/account/sandbox/webhooks/${hook.id}`, `/account/sandbox/deliveries/${first.id}`, `/account/production/webhooks/${liveHook.id}`]) {
      const res = await intruder.goto(`${base}${path}`);
      expect(res!.status(), path).toBe(404);
      expect(await intruder.content()).not.toContain(receiver.url);
    }
    await intruder.goto(`${base}/account/sandbox/webhooks`);
    expect(await intruder.content()).toContain('No sandbox webhooks yet.');
    const status = await intruder.evaluate(async (id) => {
      const csrf = (document.querySelector('input[name=_csrf]') as HTMLInputElement).value;
      const form = (document.querySelector('input[name=_form]') as HTMLInputElement).value;
      const res = await fetch(`/account/sandbox/deliveries/${id}/resend`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, _form: form }).toString(),
      });
      return res.status;
    }, first.id);
    expect(status).toBe(404);
    expect(receiver.received).toHaveLength(4);
  }, 120_000);
});
