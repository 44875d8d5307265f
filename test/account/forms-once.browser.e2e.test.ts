/// <reference lib="dom" />
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createClient } from '../../src/core/client-management.js';
import { systemClock } from '../../src/core/clock.js';
import type { RunningServer } from '../../src/server.js';
import { HAVE_CHROMIUM, launchChromium, requireChromium, type LaunchedBrowser } from '../helpers/chromium.js';
import { startServer } from '../helpers/start-server.js';

/**
 * Once-only forms in a real browser: on every state-changing Web Account form, double-click the submit
 * button, reload the page it lands on, go Back and Forward, and check in the store that the action happened
 * exactly once. A rotation with a grace period keeps the old secret working after all of that.
 */
requireChromium('the once-only forms browser test');
const PASSWORD = 'correct horse battery staple';
const NEW_PASSWORD = 'another long passphrase here';
const EMAIL = 'once@example.com';
const POLL = { timeout: 15_000, interval: 50 };

describe.skipIf(!HAVE_CHROMIUM)('web account › reload, Back and double submit never repeat an action', () => {
  let server: RunningServer;
  let dir: string;
  let base: string;
  const browsers: LaunchedBrowser[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mypos-once-'));
    server = await startServer(resolveConfig({ db: `sqlite:${join(dir, 'db.sqlite')}`, serverKey: 'e'.repeat(64), sandboxPort: 0, productionPort: 0, logLevel: 'silent', drainDelayMs: 0 }));
    base = server.urls.sandbox;
  });
  afterAll(async () => {
    for (const b of browsers) await b.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const token = (clientId: string, secret: string) =>
    fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from(`${clientId}:${secret}`).toString('base64'), 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
  const merchantId = async () => (await server.store.merchants.findByEmail(EMAIL))?.id;
  /** Audit rows of one action on the merchant's account. */
  const rows = (action: string) => async () => {
    const id = await merchantId();
    return id ? (await server.store.audit.listForMerchant(id, 500)).filter((e) => e.action === action).length : 0;
  };

  it('sign-up, log-out, log-in, generate, rotate, expire, scopes, rename, revoke, password, withdraw, delete: each once', async () => {
    const browser = await launchChromium();
    browsers.push(browser);
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push(new URL(r.url()).pathname);
    });

    /**
     * A double click as the server sees one on a slow line: the first POST is answered by the server but its
     * answer is held back, the user clicks again, and the browser drops the first navigation for the second.
     * (Two clicks in the same instant make Chromium send the form only once, which would test nothing.)
     */
    let hold: { fetched: () => void; release: Promise<void> } | undefined;
    let secondSent: (() => void) | undefined;
    await page.route('**/*', async (route) => {
      if (route.request().method() !== 'POST') return route.fallback();
      const held = hold;
      hold = undefined;
      if (!held) secondSent?.();
      const response = await route.fetch({ maxRedirects: 0 });
      if (held) {
        held.fetched();
        await held.release;
      }
      await route.fulfill({ response }).catch(() => {}); // the first navigation was cancelled by the second
    });
    const doubleSubmit = async (button: Locator) => {
      let fetched!: () => void;
      let release!: () => void;
      const firstAnswered = new Promise<void>((r) => (fetched = r));
      const second = new Promise<void>((r) => (secondSent = r));
      hold = { fetched: () => fetched(), release: new Promise<void>((r) => (release = r)) };
      // Real mouse clicks at the button's place: the second must not wait for the pending navigation.
      await button.scrollIntoViewIfNeeded();
      const box = (await button.boundingBox())!;
      const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
      await page.mouse.click(x, y);
      await firstAnswered;
      await page.mouse.click(x, y);
      await second;
      secondSent = undefined;
      release();
    };

    /**
     * One form: open it, submit it twice (doubleSubmit), wait for the page it lands on; reload; Back; Forward.
     * `count` must go up by exactly one and stay there; both clicks must have reached the server.
     */
    const once = async (o: { open: () => Promise<unknown>; fill?: () => Promise<void>; button: () => Locator; lands: string | RegExp; count: () => Promise<number>; afterReload?: (p: Page) => Promise<void> }) => {
      await o.open();
      await o.fill?.();
      const before = await o.count();
      const sent = posts.length;
      await doubleSubmit(o.button());
      // Polled: waitForURL would report the first, cancelled navigation as its own failure.
      await expect.poll(() => page.url(), POLL).toMatch(typeof o.lands === 'string' ? new RegExp(`^${o.lands.replace(/[.?]/g, '\\$&')}$`) : o.lands);
      await page.waitForLoadState();
      await expect.poll(o.count, POLL).toBe(before + 1);
      const action = posts[sent];
      expect(posts.slice(sent), 'a double click sends the form twice').toEqual([action, action]);
      const landed = page.url();
      await page.reload();
      expect(page.url()).toBe(landed);
      await o.afterReload?.(page);
      await page.goBack();
      await page.goForward();
      await page.waitForLoadState();
      expect(posts.length, 'reload, Back and Forward send no form again').toBe(sent + 2);
      expect(await o.count()).toBe(before + 1);
      return landed;
    };

    // Sign up: one account, one "Account created" row, and the browser is signed in.
    await once({
      open: () => page.goto(`${base}/account/signup`),
      fill: async () => {
        await page.getByLabel('Email').fill(EMAIL);
        await page.getByLabel('Password').fill(PASSWORD);
      },
      button: () => page.getByRole('button', { name: 'Create account' }),
      lands: `${base}/account/sandbox`,
      count: rows('signed_up'),
    });
    expect(await page.getByRole('button', { name: 'Log out' }).count()).toBe(1);

    await once({
      open: () => page.goto(`${base}/account/sandbox`),
      button: () => page.getByRole('button', { name: 'Log out' }),
      lands: /\/account\/login\?done=logged_out$/,
      count: rows('logged_out'),
    });

    await once({
      open: () => page.goto(`${base}/account/login`),
      fill: async () => {
        await page.getByLabel('Email').fill(EMAIL);
        await page.getByLabel('Password').fill(PASSWORD);
      },
      button: () => page.getByRole('button', { name: 'Log in' }),
      lands: `${base}/account/sandbox`,
      count: rows('logged_in'),
    });
    expect(await page.getByRole('button', { name: 'Log out' }).count(), 'signed in after a double-clicked login').toBe(1);

    // Generate: one credential; the secret shows once; the reload says "already shown".
    const credentials = async () => (await server.store.clients.list({ merchantId: (await merchantId())!, environment: 'sandbox' })).length;
    let secret = '';
    await once({
      open: () => page.goto(`${base}/account/sandbox`),
      fill: () => page.getByLabel('Name').fill('Shop backend'),
      button: () => page.getByRole('button', { name: 'Generate credentials' }),
      lands: /\/account\/secrets\/[0-9a-f]{64}$/,
      count: async () => {
        const n = await credentials();
        if (n > 0 && !secret) secret = (await page.locator('#client-secret').textContent().catch(() => '')) ?? '';
        return n;
      },
      afterReload: async (p) => {
        await p.getByRole('heading', { name: 'This secret was already shown' }).waitFor();
        expect(await p.content()).not.toMatch(/id="client-secret"/);
      },
    });
    const clientId = (await server.store.clients.list({ merchantId: (await merchantId())!, environment: 'sandbox' }))[0]!.id;
    expect(secret).toMatch(/^[A-Za-z0-9]{48}$/);
    expect((await token(clientId, secret)).status).toBe(200);
    const detail = `${base}/account/credentials/${clientId}`;

    // Rotate with a one-hour grace: one rotation; after reload and Back the old secret still works.
    let rotated = '';
    await once({
      open: () => page.goto(detail),
      fill: () => page.getByLabel('Old secret keeps working for').selectOption({ label: '1 hour' }).then(() => undefined),
      button: () => page.getByRole('button', { name: 'Rotate secret' }),
      lands: /\/account\/secrets\/[0-9a-f]{64}$/,
      count: async () => {
        const n = (await rows('rotated')()) as number;
        if (n > 0 && !rotated) rotated = (await page.locator('#client-secret').textContent().catch(() => '')) ?? '';
        return n;
      },
      afterReload: (p) => p.getByRole('heading', { name: 'This secret was already shown' }).waitFor(),
    });
    expect(rotated).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(rotated).not.toBe(secret);
    expect((await token(clientId, secret)).status, 'the old secret works during the grace period the merchant chose').toBe(200);
    expect((await token(clientId, rotated)).status).toBe(200);

    await once({
      open: () => page.goto(detail),
      button: () => page.getByRole('button', { name: 'Expire the previous secret now' }),
      lands: /\?done=expired$/,
      count: rows('previous_secret_expired'),
    });
    expect((await token(clientId, secret)).status).toBe(401);
    expect((await token(clientId, rotated)).status).toBe(200);

    await once({
      open: () => page.goto(detail),
      fill: () => page.getByRole('checkbox', { name: 'devices' }).check(),
      button: () => page.getByRole('button', { name: 'Save scopes' }),
      lands: /\?done=scopes$/,
      count: rows('scopes_changed'),
    });

    await once({
      open: () => page.goto(detail),
      fill: () => page.getByLabel('Name', { exact: true }).fill('Renamed backend'),
      button: () => page.getByRole('button', { name: 'Save name' }),
      lands: /\?done=renamed$/,
      count: rows('renamed'),
    });

    await once({
      open: () => page.goto(detail),
      button: () => page.getByRole('button', { name: 'Revoke all tokens' }),
      lands: /\?done=revoked$/,
      count: rows('tokens_revoked'),
    });

    await once({
      open: () => page.goto(`${base}/account/settings`),
      fill: async () => {
        await page.getByLabel('Current password').fill(PASSWORD);
        await page.getByLabel('New password').fill(NEW_PASSWORD);
      },
      button: () => page.getByRole('button', { name: 'Change password' }),
      lands: /\/account\/settings\?done=password$/,
      count: rows('password_changed'),
    });

    // A connected application to withdraw.
    const app = await createClient(
      { clients: server.store.clients, hasher: server.hasher, clock: systemClock },
      { environment: 'sandbox', name: 'Bookkeeping app', scopes: ['webhooks'], grantTypes: ['authorization_code'], redirectUris: ['http://127.0.0.1:9/cb'] },
    );
    const now = Math.floor(Date.now() / 1000);
    await server.store.consents.upsert({ merchantId: (await merchantId())!, clientId: app.client.id, scope: 'webhooks', createdAt: now, updatedAt: now });
    await once({
      open: () => page.goto(`${base}/account/apps`),
      button: () => page.getByRole('button', { name: 'Withdraw access' }),
      lands: /\/account\/apps\?done=withdrawn$/,
      count: rows('consent.withdrawn'),
    });

    await once({
      open: () => page.goto(`${detail}/delete`),
      button: () => page.getByRole('button', { name: 'Delete credential' }),
      lands: /\/account\/sandbox\?done=deleted$/,
      count: rows('deleted'),
    });
    expect((await token(clientId, rotated)).status).toBe(401);

    // Production: generate, then a second tab opening the same one-time page sees no secret.
    await page.goto(`${base}/account/production`);
    await page.getByLabel('Name').fill('Live checkout');
    await page.getByRole('button', { name: 'Generate credentials' }).click();
    await page.waitForURL(/\/account\/secrets\//);
    await page.locator('#client-secret').waitFor();
    const second = await browser.context.newPage();
    const res = await second.goto(page.url());
    expect(res!.status()).toBe(410);
    expect(await second.content()).not.toMatch(/id="client-secret"/);
    await second.close();
  }, 240_000);
});
