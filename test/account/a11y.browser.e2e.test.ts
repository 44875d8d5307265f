/// <reference lib="dom" />
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { exportJWK, generateKeyPair } from 'jose';
import { createClient } from '../../src/core/client-management.js';
import { parsePublicKeys } from '../../src/core/client-keys.js';
import { s256 } from '../../src/core/pkce.js';
import { systemClock } from '../../src/core/clock.js';
import type { RunningServer } from '../../src/server.js';
import { HAVE_CHROMIUM, launchChromium, requireChromium, type LaunchedBrowser } from '../helpers/chromium.js';
import { startServer } from '../helpers/start-server.js';
import { EVENT_TYPES } from '../../src/webhooks/events.js';
import { startReceiver } from '../webhooks/helpers.js';

/**
 * Every Web Account page at a desktop (1280×800) and a phone (390×844) width, checked by
 * axe-core (no serious or critical violation) and for sideways scrolling: the page itself, any card, and any
 * scrollable region inside main must fit the viewport.
 */
requireChromium('the accessibility browser test');
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PASSWORD = 'correct horse battery staple';
const WIDTHS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

interface Finding {
  id: string;
  impact: string | null;
  targets: string[];
}

/** axe-core injected through the DevTools protocol (the pages' CSP forbids inline scripts, rightly). */
async function seriousViolations(page: Page): Promise<Finding[]> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Elements that scroll sideways: the document, a card, or an overflowing region inside main. */
async function sidewaysScrolling(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const root = document.documentElement;
    if (root.scrollWidth > window.innerWidth) found.push(`document ${root.scrollWidth}px > ${window.innerWidth}px`);
    const name = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : ''}`;
    for (const el of Array.from(document.querySelectorAll('main, main *'))) {
      if (el.scrollWidth <= el.clientWidth + 1 || el.clientWidth === 0) continue;
      const overflow = getComputedStyle(el).overflowX;
      if (overflow === 'auto' || overflow === 'scroll' || el.classList.contains('card')) found.push(`${name(el)} ${el.scrollWidth}px > ${el.clientWidth}px`);
    }
    return found;
  });
}

describe.skipIf(!HAVE_CHROMIUM)('web account › every page at 1280 and 390 px: axe and no sideways scrolling', () => {
  let server: RunningServer;
  let dir: string;
  let base: string;
  const browsers: LaunchedBrowser[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mypos-a11y-'));
    // localhost, not 127.0.0.1: a passkey's RP ID must be a domain (WebAuthn §5.1.3).
    server = await startServer(resolveConfig({ db: `sqlite:${join(dir, 'db.sqlite')}`, serverKey: 'd'.repeat(64), host: 'localhost', sandboxPort: 0, productionPort: 0, logLevel: 'silent', drainDelayMs: 0 }));
    base = server.urls.sandbox;
  });
  afterAll(async () => {
    for (const b of browsers) await b.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('login, sign-up, lists, credential, usage, audit, delete, activity, settings, apps, consent, new secret, secret gone, webhooks, 404, two-factor and passkey pages', async () => {
    const browser = await launchChromium();
    browsers.push(browser);
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    const problems: string[] = [];
    const check = async (label: string) => {
      for (const size of WIDTHS) {
        await page.setViewportSize({ width: size.width, height: size.height });
        for (const v of await seriousViolations(page)) problems.push(`${label} @${size.width}: axe ${v.impact} ${v.id} at ${v.targets.slice(0, 3).join(', ')}`);
        for (const s of await sidewaysScrolling(page)) problems.push(`${label} @${size.width}: scrolls sideways: ${s}`);
      }
      await page.setViewportSize({ width: 1280, height: 800 });
    };
    const visit = async (path: string, label = path) => {
      const res = await page.goto(`${base}${path}`);
      expect(res, path).not.toBeNull();
      await check(label);
    };

    await visit('/account/login');
    await visit('/account/signup');
    await visit('/account/no-such-page', '404 page');
    await page.goto(`${base}/account/signup`);
    await page.getByLabel('Email').fill('a11y@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${base}/account/sandbox`);

    // A credential with history: generated (the new-secret page), rotated with a grace period, failures.
    await page.getByLabel('Name').fill('Online shop backend with a rather long name to wrap');
    await page.getByRole('button', { name: 'Generate credentials' }).click();
    await page.getByRole('heading', { name: 'Your new credentials' }).waitFor();
    await check('new credentials page');
    const clientId = (await page.locator('#client-id').textContent())!;
    await page.reload();
    await page.getByRole('heading', { name: 'This secret was already shown' }).waitFor();
    await check('secret already shown page');
    await page.goto(`${base}/account/credentials/${clientId}`);
    await page.getByLabel('Old secret keeps working for').selectOption({ label: '1 hour' });
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('heading', { name: 'Your new client secret' }).waitFor();
    await check('new secret page');
    for (let i = 0; i < 3; i++) {
      await fetch(`${base}/oauth/token`, {
        method: 'POST',
        headers: { authorization: 'Basic ' + Buffer.from(`${clientId}:${'x'.repeat(48)}`).toString('base64'), 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
    }
    await server.usage.flush({ force: true });

    // A connected application (a remembered consent), and another one asking for consent now.
    const merchant = (await server.store.merchants.findByEmail('a11y@example.com'))!;
    const appClient = await createClient(
      { clients: server.store.clients, hasher: server.hasher, clock: systemClock },
      { environment: 'sandbox', name: 'Bookkeeping app', scopes: ['webhooks'], grantTypes: ['authorization_code'], redirectUris: ['http://127.0.0.1:9/cb'] },
    );
    const now = Math.floor(Date.now() / 1000);
    await server.store.consents.upsert({ merchantId: merchant.id, clientId: appClient.client.id, scope: 'webhooks', createdAt: now, updatedAt: now });
    const asking = await createClient(
      { clients: server.store.clients, hasher: server.hasher, clock: systemClock },
      { environment: 'sandbox', name: 'Reporting tool', scopes: ['webhooks', 'transactions'], grantTypes: ['authorization_code'], redirectUris: ['http://127.0.0.1:9/cb'] },
    );

    await visit('/account/sandbox');
    // A keyboard user sees the same 3 px ring on the <summary> as on buttons and fields.
    const ring = async (selector: string) => {
      await page.keyboard.press('Shift');
      await page.locator(selector).first().focus();
      return page.locator(selector).first().evaluate((el) => ({ visible: el.matches(':focus-visible'), width: getComputedStyle(el).outlineWidth, style: getComputedStyle(el).outlineStyle }));
    };
    const summaryRing = await ring('summary');
    expect(summaryRing).toEqual(await ring('button.primary'));
    expect(summaryRing).toEqual({ visible: true, width: '3px', style: 'solid' });
    await visit('/account/production');
    await visit(`/account/credentials/${clientId}`, 'credential page (during a grace period)');
    await visit(`/account/credentials/${clientId}/usage`);
    await visit(`/account/credentials/${clientId}/audit`);
    await visit(`/account/credentials/${clientId}/delete`);
    // A webhook with a subscription and a delivery its receiver refused: the list, its page, the delivery, a roll, paused.
    const receiver = await startReceiver(() => 500);
    try {
      const webhooksClient = await createClient(
        { clients: server.store.clients, hasher: server.hasher, clock: systemClock },
        { environment: 'sandbox', name: 'Webhook client', scopes: ['webhooks'], merchantId: merchant.id },
      );
      const token = ((await (await fetch(`${base}/oauth/token`, {
        method: 'POST',
        headers: { authorization: 'Basic ' + Buffer.from(`${webhooksClient.client.id}:${webhooksClient.secret}`).toString('base64'), 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials&scope=webhooks',
      })).json()) as { access_token: string }).access_token;
      const v1 = async (path: string, body?: object) =>
        (await fetch(`${base}/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) })).json() as Promise<{ id: string }>;
      const hook = await v1('/webhooks', { payload_url: `${receiver.url}/with/a/rather/long/path/that/has/to/wrap/on/a/phone`, secret: 'a11y-secret-0001' });
      const sub = await v1('/subscriptions', { event_id: EVENT_TYPES[0]!.id, filter: { tids: ['TID00042', 'TID00043'] } });
      const delivery = await v1(`/subscriptions/${sub.id}/fake`);
      await receiver.waitFor(1);
      await expect.poll(async () => (await server.store.webhooks.listAttempts(delivery.id)).length, { timeout: 15_000 }).toBeGreaterThan(0);
      await visit('/account/sandbox/webhooks', 'webhook list');
      await visit('/account/production/webhooks', 'empty webhook list');
      await visit(`/account/sandbox/webhooks/${hook.id}`, 'webhook page');
      await visit(`/account/sandbox/deliveries/${delivery.id}`, 'delivery page');
      await page.goto(`${base}/account/sandbox/webhooks/${hook.id}`);
      await page.getByRole('button', { name: 'Roll secret' }).click();
      await page.getByRole('heading', { name: 'Your new webhook secret' }).waitFor();
      await check('new webhook secret page');
      await page.getByRole('link', { name: /Done/ }).click();
      await page.getByRole('button', { name: 'Pause webhook' }).click();
      await page.getByRole('button', { name: 'Resume webhook' }).waitFor();
      await check('paused webhook page');
    } finally {
      await receiver.close();
    }
    // A private_key_jwt credential: its keys table with remove forms and the add-key form.
    const jwk = async (kid: string) => ({ ...(await exportJWK((await generateKeyPair('RS256')).publicKey)), kid });
    const keyClient = await createClient(
      { clients: server.store.clients, hasher: server.hasher, clock: systemClock },
      { environment: 'sandbox', name: 'Signed backend', scopes: ['webhooks'], merchantId: merchant.id, publicKeys: await parsePublicKeys(JSON.stringify({ keys: [await jwk('2026-rsa-signing-key-with-a-long-name'), await jwk('next')] })) },
    );
    await visit(`/account/credentials/${keyClient.client.id}`, 'private_key_jwt credential page');
    await visit('/account/activity');
    await visit('/account/settings');
    await visit('/account/apps');
    const authorize = new URLSearchParams({ response_type: 'code', client_id: asking.client.id, redirect_uri: 'http://127.0.0.1:9/cb', scope: 'webhooks transactions', state: 's', code_challenge: s256('v'.repeat(43)), code_challenge_method: 'S256' });
    await visit(`/oauth/authorize?${authorize}`, 'consent page');
    expect(await page.content()).toContain('Reporting tool');

    // Two-factor sign-in: enrolment, the recovery codes (and their reload), settings while on, the second step.
    await page.goto(`${base}/account/settings`);
    if ((await page.locator('#tf-setup-password').count()) > 0) await page.locator('#tf-setup-password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set up two-factor sign-in' }).click();
    await page.waitForURL(`${base}/account/two-factor/setup`);
    await check('two-factor enrolment page');
    const key = (await page.locator('#totp-secret').textContent())!.replace(/ /g, '');
    await page.getByLabel('6-digit code').fill(new TOTP({ secret: Secret.fromBase32(key) }).generate());
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
    await check('recovery codes page');
    await page.reload();
    await page.getByRole('heading', { name: 'These recovery codes were already shown' }).waitFor();
    await check('recovery codes already shown page');
    await visit('/account/settings', 'settings with two-factor sign-in on');

    // Passkeys, with a virtual authenticator: the naming page, settings listing one, the second step offering it.
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', { options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true } });
    if ((await page.locator('#pk-setup-password').count()) > 0) {
      await page.locator('#pk-setup-password').fill(PASSWORD);
      await page.locator('#pk-setup-code').fill(new TOTP({ secret: Secret.fromBase32(key) }).generate());
    }
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.waitForURL(`${base}/account/passkeys/new`);
    await check('new passkey page');
    await page.getByLabel('Name').fill('Work laptop with a long descriptive name');
    await page.getByRole('button', { name: 'Create passkey' }).click();
    await page.waitForURL(`${base}/account/settings?done=passkey_added`);
    await page.getByText('Remove Work laptop').click();
    await check('settings with a passkey');
    await page.getByRole('button', { name: 'Log out', exact: true }).click();
    await page.waitForURL(`${base}/account/login?done=logged_out`);
    await page.getByLabel('Email').fill('a11y@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(`${base}/account/login/code`);
    await page.getByRole('button', { name: 'Use a passkey' }).waitFor();
    await check('two-factor sign-in step');
    await page.getByLabel('Authentication code').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').waitFor();
    await check('two-factor sign-in step with an error');

    expect(problems).toEqual([]);
    // /favicon.ico: the icon browsers ask for on every origin, cached.
    const icon = await fetch(`${base}/favicon.ico`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toBe('image/x-icon');
    expect(icon.headers.get('cache-control')).toBe('public, max-age=86400');
    expect([...new Uint8Array(await icon.arrayBuffer()).slice(0, 4)]).toEqual([0, 0, 1, 0]);
  }, 180_000);
});
