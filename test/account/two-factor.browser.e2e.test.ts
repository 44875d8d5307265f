/// <reference lib="dom" />
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import type { RunningServer } from '../../src/server.js';
import { HAVE_CHROMIUM, launchChromium, requireChromium, type LaunchedBrowser } from '../helpers/chromium.js';
import { startServer } from '../helpers/start-server.js';
import { TestClock } from '../helpers/test-server.js';

/**
 * Two-factor sign-in in Debian's Chromium against a listening server: enrol (the key read off the page, the
 * code computed here with the same library an authenticator app uses), sign out, a sign-in that asks for the
 * code, a wrong code refused, a recovery code that works once, a production change that asks for a code,
 * and turning it off. The server's clock is a test clock, so the re-authentication window can pass.
 */
requireChromium('the two-factor browser test');
const PASSWORD = 'correct horse battery staple';
const EMAIL = 'two-factor@example.com';
const POLL = { timeout: 15_000, interval: 50 };
// UPDATE_SCREENSHOTS=1 writes the screenshots docs/web-account.md shows.
const SHOTS = process.env.UPDATE_SCREENSHOTS ? join(process.cwd(), 'docs', 'screenshots') : undefined;

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

describe.skipIf(!HAVE_CHROMIUM)('web account › two-factor sign-in in a real browser', () => {
  let server: RunningServer;
  let dir: string;
  let base: string;
  const clock = new TestClock();
  const browsers: LaunchedBrowser[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mypos-2fa-e2e-'));
    const config = resolveConfig({ db: `sqlite:${join(dir, 'db.sqlite')}`, serverKey: 'e'.repeat(64), sandboxPort: 0, productionPort: 0, logLevel: 'silent', drainDelayMs: 0 });
    server = await startServer(config, { clock });
    base = server.urls.sandbox;
  });
  afterAll(async () => {
    for (const b of browsers) await b.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const path = (page: Page) => new URL(page.url()).pathname;

  async function logIn(page: Page): Promise<void> {
    await page.goto(`${base}/account/login`);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => path(page), POLL).toBe('/account/login/code');
  }

  async function enterCode(page: Page, code: string): Promise<void> {
    await page.getByLabel('Authentication code').fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
  }

  async function logOut(page: Page): Promise<void> {
    await page.goto(`${base}/account/sandbox`);
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await expect.poll(() => path(page), POLL).toBe('/account/login');
  }

  it('enrol, sign out, sign in with a code (a wrong one refused), a recovery code once, a production change asks for a code, turn off', async () => {
    const browser = await launchChromium();
    browsers.push(browser);
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });

    await page.goto(`${base}/account/signup`);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => path(page), POLL).toBe('/account/sandbox');

    // Enrol: the QR code is drawn, the key is shown as text for manual entry.
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    await expect.poll(() => path(page), POLL).toBe('/account/two-factor/setup');
    const qr = page.getByRole('img', { name: /QR code/ });
    expect((await qr.boundingBox())!.width).toBeGreaterThan(150);
    const key = (await page.locator('#totp-secret').textContent())!.replace(/ /g, '');
    expect(key).toMatch(/^[A-Z2-7]{32}$/);
    await shot(page, 'two-factor-setup');
    const totp = new TOTP({ secret: Secret.fromBase32(key) });
    const code = (offset = 0) => totp.generate({ timestamp: (clock.now() + offset) * 1000 });
    await page.getByLabel('6-digit code').fill(code());
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    const recovery = (await page.locator('#recovery-codes').textContent())!.trim().split('\n');
    expect(recovery).toHaveLength(10);
    await page.getByRole('link', { name: /Done/ }).click();
    await expect.poll(() => path(page), POLL).toBe('/account/settings');
    expect(await page.locator('#tf-h + p').textContent()).toContain('10 of 10 recovery codes unused');
    clock.advance(30);

    // Sign out; signing in asks for the code; the wrong one is refused and nothing opens.
    await logOut(page);
    await logIn(page);
    await shot(page, 'two-factor-code');
    await enterCode(page, code(600));
    await expect.poll(() => page.getByRole('alert').textContent(), POLL).toContain('That code is not correct');
    expect((await page.goto(`${base}/account/sandbox`))!.url()).toContain('/account/login');
    await logIn(page);
    await enterCode(page, code());
    await expect.poll(() => path(page), POLL).toBe('/account/sandbox');

    // A recovery code signs in once.
    await logOut(page);
    await logIn(page);
    await enterCode(page, recovery[0]!);
    await expect.poll(() => path(page), POLL).toBe('/account/sandbox');
    await logOut(page);
    await logIn(page);
    await enterCode(page, recovery[0]!);
    await expect.poll(() => page.getByRole('alert').textContent(), POLL).toContain('That code is not correct');
    clock.advance(30);
    await enterCode(page, code());
    await expect.poll(() => path(page), POLL).toBe('/account/sandbox');

    // Past the re-authentication window, a production change asks for the password and a current code.
    clock.advance(6 * 60);
    await page.getByRole('link', { name: 'Production' }).click();
    await expect.poll(() => path(page), POLL).toBe('/account/production');
    await page.getByLabel('Name').fill('Live checkout');
    await page.getByLabel('Your password').fill(PASSWORD);
    await page.getByLabel('Code from your authenticator app').fill(code(900));
    await page.getByRole('button', { name: 'Generate credentials' }).click();
    await expect.poll(() => page.getByRole('alert').textContent(), POLL).toContain('The code is not correct');
    await page.getByLabel('Name').fill('Live checkout');
    await page.getByLabel('Your password').fill(PASSWORD);
    await page.getByLabel('Code from your authenticator app').fill(code());
    await page.getByRole('button', { name: 'Generate credentials' }).click();
    await page.getByRole('heading', { name: 'Your new credentials' }).waitFor();
    clock.advance(30);

    // Turn it off: the password and a current code; then the password alone signs in.
    await page.goto(`${base}/account/settings`);
    await page.locator('#tf-off-password').fill(PASSWORD);
    await page.locator('#tf-off-code').fill(code());
    await page.getByRole('button', { name: 'Turn off two-factor sign-in' }).click();
    await expect.poll(() => page.getByRole('status').textContent(), POLL).toContain('Two-factor sign-in is off');
    await logOut(page);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => path(page), POLL).toBe('/account/sandbox');

    await page.getByRole('link', { name: 'Activity' }).click();
    const activity = (await page.locator('table').textContent())!;
    for (const row of ['Two-factor sign-in turned on', 'Failed two-factor code', 'Recovery code used', 'Two-factor sign-in turned off']) expect(activity).toContain(row);
    expect(cspViolations).toEqual([]);
  }, 180_000);
});
