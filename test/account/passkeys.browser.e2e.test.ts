/// <reference lib="dom" />
import { mkdtempSync, rmSync } from 'node:fs';
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
 * Passkeys in Debian's Chromium with a virtual authenticator (DevTools protocol, WebAuthn domain): add one
 * from Settings, sign out, sign in with the password then the passkey, remove it. The server listens on
 * `localhost`: an RP ID must be a domain, never an IP address (WebAuthn §5.1.3 step 8).
 */
requireChromium('the passkey browser test');
const PASSWORD = 'correct horse battery staple';
const EMAIL = 'passkey@example.com';
const POLL = { timeout: 15_000, interval: 50 };

describe.skipIf(!HAVE_CHROMIUM)('web account › passkeys (WebAuthn) in a real browser with a virtual authenticator', () => {
  let server: RunningServer;
  let dir: string;
  let base: string;
  const clock = new TestClock();
  const browsers: LaunchedBrowser[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mypos-passkey-e2e-'));
    const config = resolveConfig({ db: `sqlite:${join(dir, 'db.sqlite')}`, serverKey: 'f'.repeat(64), host: 'localhost', sandboxPort: 0, productionPort: 0, logLevel: 'silent', drainDelayMs: 0 });
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

  async function logOut(page: Page): Promise<void> {
    await page.goto(`${base}/account/sandbox`);
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await expect.poll(() => path(page), POLL).toBe('/account/login');
  }

  it('add a passkey from Settings, sign out, sign in with the password then the passkey, remove it', async () => {
    expect(base).toMatch(/^http:\/\/localhost:\d+$/);
    const browser = await launchChromium();
    browsers.push(browser);
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });

    await page.goto(`${base}/account/signup`);
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => path(page), POLL).toBe('/account/sandbox');

    // Passkeys come beside the authenticator app: two-factor sign-in first.
    await page.goto(`${base}/account/settings`);
    expect(await page.getByRole('heading', { name: 'Passkeys' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    const key = (await page.locator('#totp-secret').textContent())!.replace(/ /g, '');
    const totp = new TOTP({ secret: Secret.fromBase32(key) });
    const code = () => totp.generate({ timestamp: clock.now() * 1000 });
    await page.getByLabel('6-digit code').fill(code());
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    clock.advance(30);

    // Past the re-authentication window, adding a passkey asks for the password and a code.
    clock.advance(6 * 60);
    await page.goto(`${base}/account/settings`);
    await page.locator('#pk-setup-password').fill(PASSWORD);
    await page.locator('#pk-setup-code').fill(code());
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await expect.poll(() => path(page), POLL).toBe('/account/passkeys/new');
    await page.getByLabel('Name').fill('Test laptop');
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent(), POLL).toContain('Passkey added');
    expect(path(page)).toBe('/account/settings');
    expect(await page.locator('#passkeys').textContent()).toContain('Test laptop');
    const stored = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(stored.credentials).toHaveLength(1);
    expect(stored.credentials[0]!.rpId).toBe('localhost');

    // Sign out; the second step offers the passkey; it signs in without a code.
    await logOut(page);
    await logIn(page);
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await expect.poll(() => path(page), POLL).toBe('/account/sandbox');
    const used = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(used.credentials[0]!.signCount).toBeGreaterThan(0);
    await page.goto(`${base}/account/settings`);
    expect(await page.locator('#passkeys').textContent()).toContain('last used');

    // Removing it needs the password and a code; then the second step no longer offers a passkey.
    await page.getByText('Remove Test laptop').click();
    await page.locator('#pk-rm-password-0').fill(PASSWORD);
    clock.advance(30);
    await page.locator('#pk-rm-code-0').fill(code());
    await page.getByRole('button', { name: 'Remove passkey' }).click();
    await expect.poll(() => page.getByRole('status').first().textContent(), POLL).toContain('Passkey removed');
    expect(await page.locator('#passkeys').count()).toBe(0);
    await logOut(page);
    await logIn(page);
    expect(await page.getByRole('button', { name: 'Use a passkey' }).count()).toBe(0);

    clock.advance(30);
    await page.getByLabel('Authentication code').fill(code());
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => path(page), POLL).toBe('/account/sandbox');
    await page.getByRole('link', { name: 'Activity' }).click();
    const activity = (await page.locator('table').textContent())!;
    for (const row of ['Passkey added', 'Passkey used', 'Passkey removed']) expect(activity).toContain(row);
    expect(activity).toContain('with a passkey');
    expect(cspViolations).toEqual([]);
  }, 180_000);
});
