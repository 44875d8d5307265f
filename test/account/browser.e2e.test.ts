/// <reference lib="dom" />
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createClient } from '../../src/core/client-management.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../helpers/start-server.js';

/**
 * The Web Account in a real browser (Debian's Chromium driven by playwright-core) against a real listening
 * server: sign up, log in, generate, copy the secret, get a token over HTTP, rotate, both secrets during the
 * grace period, delete, and a cross-merchant attempt. UPDATE_SCREENSHOTS=1 writes the screenshots docs/web-account.md shows.
 */
const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is required in CI for the browser tests`);
  console.warn(`\n[mypos-auth tests] ${CHROMIUM} not found: browser end-to-end tests are SKIPPED.\n`);
}

const PASSWORD = 'correct horse battery staple';
// Navigations wait on argon2 and a busy two-core CI machine: poll generously.
const POLL = { timeout: 15_000, interval: 50 };
const SHOTS = process.env.UPDATE_SCREENSHOTS ? join(process.cwd(), 'docs', 'screenshots') : mkdtempSync(join(tmpdir(), 'mypos-shots-'));

async function launch(): Promise<{ context: BrowserContext; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mypos-chromium-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  context.setDefaultTimeout(15_000);
  return { context, dir };
}

async function getToken(tokenUrl: string, id: string, secret: string): Promise<Response> {
  return fetch(tokenUrl, {
    method: 'POST',
    headers: { authorization: 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64'), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&scope=webhooks',
  });
}

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

describe.skipIf(!haveChromium)('web account › in a real browser', () => {
  let server: RunningServer;
  let dbDir: string;
  const contexts: Array<{ context: BrowserContext; dir: string }> = [];
  let base: string;

  beforeAll(async () => {
    dbDir = mkdtempSync(join(tmpdir(), 'mypos-e2e-'));
    const config = resolveConfig({
      db: `sqlite:${join(dbDir, 'db.sqlite')}`,
      serverKey: 'b'.repeat(64),
      sandboxPort: 0,
      productionPort: 0,
      logLevel: 'silent',
      usageFlushSeconds: 1,
    });
    server = await startServer(config);
    base = server.urls.sandbox;
  });

  afterAll(async () => {
    for (const c of contexts) {
      await c.context.close().catch(() => {});
      rmSync(c.dir, { recursive: true, force: true });
    }
    await server?.close();
    if (dbDir) rmSync(dbDir, { recursive: true, force: true });
  });

  it('sign up, log in, generate, copy, token over HTTP, rotate with grace, delete; another merchant gets 404', async () => {
    const a = await launch();
    contexts.push(a);
    await a.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    const page = a.context.pages()[0] ?? (await a.context.newPage());
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });

    // Anonymous → login page, which links to sign-up.
    await page.goto(`${base}/account`);
    await expect.poll(() => new URL(page.url()).pathname, POLL).toBe('/account/login');
    await shot(page, 'login');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.waitForURL(`${base}/account/signup`);
    await page.getByLabel('Email').fill('shop@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await shot(page, 'signup');
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => new URL(page.url()).pathname, POLL).toBe('/account/sandbox');

    // Log out and log back in.
    await page.getByRole('button', { name: 'Log out' }).click();
    await expect.poll(() => new URL(page.url()).pathname, POLL).toBe('/account/login');
    expect(await page.getByRole('status').textContent()).toContain('You are logged out.');
    await page.getByLabel('Email').fill('shop@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => new URL(page.url()).pathname, POLL).toBe('/account/sandbox');

    // Generate a sandbox credential.
    await page.getByLabel('Name').fill('Online shop backend');
    await page.getByLabel('devices').check();
    await page.getByRole('button', { name: 'Generate credentials' }).click();
    await page.getByRole('heading', { name: 'Your new credentials' }).waitFor();
    const clientId = (await page.locator('#client-id').textContent())!;
    const shownSecret = (await page.locator('#client-secret').textContent())!;
    const tokenUrl = (await page.locator('#token-url').textContent())!;
    expect(clientId).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(tokenUrl).toBe(`${base}/oauth/token`);
    // Copy it with the page's button (the script is a file; the CSP forbids inline code).
    await page.locator('button.copy[data-copy="client-secret"]').click();
    await expect.poll(() => page.locator('button.copy[data-copy="client-secret"]').textContent(), POLL).toBe('Copied');
    const secret = await page.evaluate(() => navigator.clipboard.readText());
    expect(secret).toBe(shownSecret);
    expect(secret).toMatch(/^[A-Za-z0-9]{48}$/);
    expect((await page.locator('#curl').textContent())!).toContain(`-u '${clientId}:${secret}'`);
    await shot(page, 'new-credentials');

    // A token with the copied secret, over HTTP from the real listener.
    const first = await getToken(tokenUrl, clientId, secret);
    expect(first.status).toBe(200);
    const firstToken = ((await first.json()) as { access_token: string }).access_token;

    // The list shows the credential, never the secret.
    await page.goto(`${base}/account/sandbox`);
    const row = page.getByRole('row', { name: /Online shop backend/ });
    await expect.poll(() => row.textContent(), POLL).toContain(clientId);
    expect(await page.content()).not.toContain(secret);
    await page.getByRole('link', { name: 'Online shop backend' }).click();
    await page.waitForURL(`${base}/account/credentials/${clientId}`);

    // Rotate with a one-hour grace period: both secrets work.
    await page.getByLabel('Old secret keeps working for').selectOption({ label: '1 hour' });
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('heading', { name: 'Your new client secret' }).waitFor();
    const rotated = (await page.locator('#client-secret').textContent())!;
    expect(rotated).not.toBe(secret);
    expect(await page.getByRole('status').textContent()).toContain('The old secret keeps working until');
    expect((await getToken(tokenUrl, clientId, secret)).status).toBe(200);
    expect((await getToken(tokenUrl, clientId, rotated)).status).toBe(200);
    expect((await getToken(tokenUrl, clientId, 'x'.repeat(48))).status).toBe(401);
    await page.getByRole('link', { name: /Done/ }).click();
    await page.waitForURL(`${base}/account/credentials/${clientId}`);
    expect(await page.locator('dl.facts').textContent()).toMatch(/Previous secret …[A-Za-z0-9]{4}: works until/);
    await shot(page, 'credential');

    // Usage and audit pages, once the counters are flushed.
    await server.usage.flush({ force: true });
    await seedDemoUsage(server, clientId);
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.waitForURL(`${base}/account/credentials/${clientId}/usage`);
    await page.locator('svg#daily').waitFor();
    await shot(page, 'usage');
    await page.goBack();
    await page.getByRole('link', { name: 'Audit trail' }).click();
    await page.waitForURL(`${base}/account/credentials/${clientId}/audit`);
    expect(await page.locator('table').textContent()).toContain('Secret rotated');
    await shot(page, 'audit');

    // Another merchant, in another browser, tries A's credential: 404 everywhere, nothing changes.
    const b = await launch();
    contexts.push(b);
    const pageB = b.context.pages()[0] ?? (await b.context.newPage());
    await pageB.goto(`${base}/account/signup`);
    await pageB.getByLabel('Email').fill('intruder@example.com');
    await pageB.getByLabel('Password').fill(PASSWORD);
    await pageB.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => new URL(pageB.url()).pathname, POLL).toBe('/account/sandbox');
    for (const path of ['', '/usage', '/audit', '/delete']) {
      const res = await pageB.goto(`${base}/account/credentials/${clientId}${path}`);
      expect(res!.status(), path).toBe(404);
      expect(await pageB.content()).not.toContain('Online shop backend');
    }
    // A forged form with B's own valid CSRF token, aimed at A's credential.
    await pageB.goto(`${base}/account/sandbox`);
    const status = await pageB.evaluate(async (id) => {
      const csrf = (document.querySelector('input[name=_csrf]') as HTMLInputElement).value;
      const form = (document.querySelector('input[name=_form]') as HTMLInputElement).value;
      const res = await fetch(`/account/credentials/${id}/delete`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ _csrf: csrf, _form: form }).toString(),
      });
      return res.status;
    }, clientId);
    expect(status).toBe(404);
    expect((await getToken(tokenUrl, clientId, rotated)).status).toBe(200);

    // A production credential shows up on the Production tab only.
    await page.getByRole('link', { name: 'Production' }).click();
    await page.waitForURL(`${base}/account/production`);
    await page.getByLabel('Name').fill('Live checkout');
    await page.getByRole('button', { name: 'Generate credentials' }).click();
    await page.getByRole('heading', { name: 'Your new credentials' }).waitFor();
    expect(await page.locator('#token-url').textContent()).toBe(`${server.urls.production}/oauth/token`);
    await page.getByRole('link', { name: 'Production' }).click();
    await page.waitForURL(`${base}/account/production`);
    await shot(page, 'production');
    await page.getByRole('link', { name: 'Sandbox' }).click();
    await page.waitForURL(`${base}/account/sandbox`);
    await shot(page, 'sandbox');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'sandbox-mobile');
    await page.setViewportSize({ width: 1280, height: 800 });

    // Delete: the credential and its tokens stop working at once.
    await page.getByRole('link', { name: 'Online shop backend' }).click();
    await page.waitForURL(`${base}/account/credentials/${clientId}`);
    await page.getByRole('link', { name: 'Delete credential…' }).click();
    await page.waitForURL(`${base}/account/credentials/${clientId}/delete`);
    await page.getByRole('button', { name: 'Delete credential' }).click();
    await expect.poll(() => new URL(page.url()).pathname, POLL).toBe('/account/sandbox');
    expect(await page.getByRole('status').textContent()).toContain('deleted');
    expect((await getToken(tokenUrl, clientId, rotated)).status).toBe(401);
    expect((await getToken(tokenUrl, clientId, secret)).status).toBe(401);
    expect(await introspect(server, base, firstToken)).toEqual({ active: false });
    await page.getByRole('link', { name: 'Activity' }).click();
    await page.waitForURL(`${base}/account/activity`);
    expect(await page.locator('table').textContent()).toContain('Credential deleted');
    await shot(page, 'activity');
    expect(cspViolations).toEqual([]);
  }, 120_000);
});

/** Introspection by a resource-server client (the Webhook API's role): a deleted credential's token is inactive. */
async function introspect(server: RunningServer, base: string, token: string): Promise<unknown> {
  const { client, secret } = await createClient(
    { clients: server.store.clients, hasher: server.hasher, clock: { now: () => Math.floor(Date.now() / 1000) } },
    { environment: 'sandbox', name: 'Resource server', scopes: ['webhooks'], isResourceServer: true },
  );
  const res = await fetch(`${base}/oauth/introspect`, {
    method: 'POST',
    headers: { authorization: 'Basic ' + Buffer.from(`${client.id}:${secret}`).toString('base64'), 'content-type': 'application/x-www-form-urlencoded' },
    body: `token=${token}`,
  });
  return res.json();
}

/** Gives the screenshot's chart a month of plausible history (the test itself issued only a few tokens). */
async function seedDemoUsage(server: RunningServer, clientId: string): Promise<void> {
  const now = Math.floor(Date.now() / 1000);
  const thisHour = now - (now % 3600);
  const rows = [];
  for (let h = 1; h < 30 * 24; h++) {
    const hourOfDay = (thisHour / 3600 - h) % 24;
    const busy = hourOfDay >= 7 && hourOfDay <= 20 ? 6 : 1;
    rows.push({ clientId, hour: thisHour - h * 3600, issued: busy + ((h * 7) % 5), failed: h % 97 === 0 ? 4 : 0 });
  }
  await server.store.usage.add(rows);
}
