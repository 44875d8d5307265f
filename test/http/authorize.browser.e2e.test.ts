import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createClient } from '../../src/core/client-management.js';
import { s256 } from '../../src/core/pkce.js';
import { systemClock } from '../../src/core/clock.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../helpers/start-server.js';

/**
 * The authorization code flow in Debian's Chromium (playwright-core): log in through the Web Account,
 * consent, follow the redirect to a local callback server, then exchange the code, refresh and revoke.
 */
const CHROMIUM = '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (process.env.CI === 'true') throw new Error(`${CHROMIUM} is required in CI for the browser tests`);
  console.warn(`\n[mypos-auth tests] ${CHROMIUM} not found: the authorization code browser test is SKIPPED.\n`);
}

const PASSWORD = 'correct horse battery staple';
const VERIFIER = 'browser-flow-verifier-' + 'x'.repeat(40);

describe.skipIf(!haveChromium)('authorization code › in a real browser', () => {
  let server: RunningServer;
  let callback: Server;
  let callbackUrl: string;
  const received: URL[] = [];
  let dir: string;
  let context: BrowserContext;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mypos-code-e2e-'));
    server = await startServer(resolveConfig({ db: `sqlite:${join(dir, 'db.sqlite')}`, serverKey: 'c'.repeat(64), sandboxPort: 0, productionPort: 0, logLevel: 'silent', drainDelayMs: 0 }));
    callback = createServer((req, res) => {
      received.push(new URL(req.url ?? '/', 'http://127.0.0.1'));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('You can close this window.');
    });
    await new Promise<void>((r) => callback.listen(0, '127.0.0.1', r));
    callbackUrl = `http://127.0.0.1:${(callback.address() as { port: number }).port}/cb`;
    context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    context.setDefaultTimeout(20_000);
  });
  afterAll(async () => {
    await context?.close().catch(() => {});
    await new Promise((r) => callback?.close(r));
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('log in, consent, redirect with code/state/iss, exchange, refresh, revoke', async () => {
    const { client, secret } = await createClient(
      { clients: server.store.clients, hasher: server.hasher, clock: systemClock },
      { environment: 'sandbox', name: 'Bookkeeping app', scopes: ['webhooks', 'transactions'], grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [callbackUrl] },
    );
    const base = server.urls.sandbox;
    const auth = 'Basic ' + Buffer.from(`${client.id}:${secret}`).toString('base64');
    const page = await context.newPage();

    // A merchant account, then logged out, so the authorize request goes through the login page.
    await page.goto(`${base}/account/signup`);
    await page.getByLabel('Email').fill('merchant@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('button', { name: 'Log out' }).click();

    const authorize = new URL(`${base}/oauth/authorize`);
    for (const [k, v] of Object.entries({ response_type: 'code', client_id: client.id, redirect_uri: callbackUrl, scope: 'webhooks', state: 'xyz', code_challenge: s256(VERIFIER), code_challenge_method: 'S256' })) {
      authorize.searchParams.set(k, v);
    }
    await page.goto(authorize.toString());
    await page.waitForURL(/\/account\/login/);
    await page.getByLabel('Email').fill('merchant@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(/\/oauth\/authorize/).catch(async (e) => {
      throw new Error(`${e.message}; at ${page.url()}: ${(await page.content()).slice(0, 1500)}`);
    });
    await expect.poll(() => page.content()).toContain('Bookkeeping app');
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(/\/cb\?/);
    expect(await page.content()).toContain('You can close this window');

    const back = received.filter((u) => u.pathname === '/cb').at(-1)!;
    expect(back.searchParams.get('state')).toBe('xyz');
    expect(back.searchParams.get('iss')).toBe(base);
    const code = back.searchParams.get('code')!;

    const form = (body: string) => fetch(`${base}/oauth/token`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body });
    const tokens = (await (await form(`grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(callbackUrl)}&code_verifier=${VERIFIER}`)).json()) as Record<string, string>;
    expect(tokens).toMatchObject({ token_type: 'Bearer', scope: 'webhooks' });
    const refreshed = (await (await form(`grant_type=refresh_token&refresh_token=${tokens.refresh_token}`)).json()) as Record<string, string>;
    expect(refreshed.access_token).toMatch(/^[A-Za-z0-9]{42}$/);

    const hooks = await fetch(`${base}/v1/webhooks`, { headers: { authorization: `Bearer ${refreshed.access_token}` } });
    expect(hooks.status).toBe(200);
    const revoke = await fetch(`${base}/oauth/revoke`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${refreshed.refresh_token}` });
    expect(revoke.status).toBe(200);
    const after = await fetch(`${base}/v1/webhooks`, { headers: { authorization: `Bearer ${refreshed.access_token}` } });
    expect(after.status).toBe(401);
  }, 90_000);

  it('pushed authorization request (RFC 9126) with a resource (RFC 8707): push, consent in the browser, code, token, Webhook API', async () => {
    const { client, secret } = await createClient(
      { clients: server.store.clients, hasher: server.hasher, clock: systemClock },
      { environment: 'sandbox', name: 'Pushing app', scopes: ['webhooks'], grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [callbackUrl], requirePushedAuthorizationRequests: true },
    );
    const base = server.urls.sandbox;
    const auth = 'Basic ' + Buffer.from(`${client.id}:${secret}`).toString('base64');
    const post = (path: string, body: URLSearchParams) => fetch(`${base}${path}`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: body.toString() });

    // The Webhook API's resource indicator defaults to the environment's issuer URL.
    const pushed = await post('/oauth/par', new URLSearchParams({ response_type: 'code', redirect_uri: callbackUrl, scope: 'webhooks', state: 'pushed', code_challenge: s256(VERIFIER), code_challenge_method: 'S256', resource: base }));
    expect(pushed.status).toBe(201);
    const { request_uri: requestUri } = (await pushed.json()) as { request_uri: string };

    const page = await context.newPage();
    await page.goto(`${base}/oauth/authorize?client_id=${client.id}&request_uri=${encodeURIComponent(requestUri)}`);
    if (page.url().includes('/account/login')) {
      await page.getByLabel('Email').fill('merchant@example.com');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL(/\/oauth\/authorize/);
    }
    await expect.poll(() => page.content()).toContain('Pushing app');
    expect(await page.content()).toContain(base);
    await page.getByRole('button', { name: 'Allow' }).click();
    await page.waitForURL(/\/cb\?/);

    const back = received.filter((u) => u.pathname === '/cb').at(-1)!;
    expect(back.searchParams.get('state')).toBe('pushed');
    const code = back.searchParams.get('code')!;
    const tokens = (await (await post('/oauth/token', new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: callbackUrl, code_verifier: VERIFIER }))).json()) as Record<string, string>;
    expect(tokens).toMatchObject({ token_type: 'Bearer', scope: 'webhooks' });
    const hooks = await fetch(`${base}/v1/webhooks`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(hooks.status).toBe(200);

    // The request_uri was used by that answer: opening it again shows an error, and nobody is redirected.
    const again = await page.goto(`${base}/oauth/authorize?client_id=${client.id}&request_uri=${encodeURIComponent(requestUri)}`);
    expect(again?.status()).toBe(400);
    expect(page.url()).toContain('/oauth/authorize');
  }, 90_000);
});
