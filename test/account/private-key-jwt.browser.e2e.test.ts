import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import type { RunningServer } from '../../src/server.js';
import { HAVE_CHROMIUM, launchChromium, requireChromium, type LaunchedBrowser } from '../helpers/chromium.js';
import { startServer } from '../helpers/start-server.js';

/**
 * A merchant registers a private_key_jwt credential in a real browser: pastes a public JWK when generating, sees
 * no secret, adds a second key and removes the first (key rollover), and the client's assertions follow each step.
 */
requireChromium('the private_key_jwt browser test');
const PASSWORD = 'correct horse battery staple';

describe.skipIf(!HAVE_CHROMIUM)('web account › private_key_jwt credential in the browser', () => {
  let server: RunningServer;
  let dir: string;
  let base: string;
  let browser: LaunchedBrowser | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mypos-pkjwt-'));
    server = await startServer(resolveConfig({ db: `sqlite:${join(dir, 'db.sqlite')}`, serverKey: 'f'.repeat(64), sandboxPort: 0, productionPort: 0, logLevel: 'silent', drainDelayMs: 0 }));
    base = server.urls.sandbox;
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const keyPair = async (kid: string): Promise<{ privateKey: CryptoKey; jwk: JWK }> => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid } };
  };
  /** oauth4webapi-style assertion: aud = the issuer (RFC 8414 metadata's `issuer`). */
  const token = async (clientId: string, key: { privateKey: CryptoKey; jwk: JWK }) => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({ iss: clientId, sub: clientId, aud: base, iat: now, exp: now + 60, jti: randomUUID() }).setProtectedHeader({ alg: 'EdDSA', kid: key.jwk.kid! }).sign(key.privateKey);
    const res = await fetch(`${base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt }),
    });
    return res.status;
  };

  it('generate with a pasted public key, no secret shown; add a key, remove the old one; tokens follow', async () => {
    browser = await launchChromium();
    const page = browser.context.pages()[0] ?? (await browser.context.newPage());
    const [first, second] = await Promise.all([keyPair('laptop-2026'), keyPair('hsm-2027')]);

    await page.goto(`${base}/account/signup`);
    await page.getByLabel('Email').fill('keys@example.com');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.waitForURL(`${base}/account/sandbox`);

    await page.getByLabel('Name').fill('Signed backend');
    await page.getByText('Sign with a private key instead of a secret').click();
    await page.getByLabel('Public key: a JWK or a JWK Set').fill(JSON.stringify(first.jwk, null, 2));
    await page.getByRole('button', { name: 'Generate credentials' }).click();
    await page.waitForURL(/\/account\/credentials\/[A-Za-z0-9]{24}\?done=keys$/);
    expect(await page.getByRole('status').textContent()).toContain('It has no secret');
    expect(await page.locator('#auth-method').textContent()).toBe('private_key_jwt');
    expect(await page.getByRole('heading', { name: 'Rotate the secret' }).count()).toBe(0);
    const clientId = /credentials\/([A-Za-z0-9]{24})/.exec(page.url())![1]!;
    expect(await token(clientId, first)).toBe(200);
    expect(await token(clientId, second)).toBe(401);

    await page.getByLabel('Add a public key').fill(JSON.stringify(second.jwk));
    await page.getByRole('button', { name: 'Add key' }).click();
    await page.waitForURL(/done=key-added$/);
    await expect.poll(() => page.locator('#keys tbody tr').count()).toBe(2);
    expect(await token(clientId, first)).toBe(200);
    expect(await token(clientId, second)).toBe(200);
    // Reloading the page the add landed on repeats nothing.
    await page.reload();
    expect(await page.locator('#keys tbody tr').count()).toBe(2);

    await page.getByRole('button', { name: 'Remove key laptop-2026' }).click();
    await page.waitForURL(/done=key-removed$/);
    expect(await page.locator('#keys tbody tr').count()).toBe(1);
    expect(await page.locator('#keys').textContent()).toContain('the only key');
    expect(await token(clientId, first)).toBe(401);
    expect(await token(clientId, second)).toBe(200);

    await page.goto(`${base}/account/credentials/${clientId}/audit`);
    const trail = (await page.locator('main').textContent()) ?? '';
    expect(trail).toContain('Public key added');
    expect(trail).toContain('EdDSA key “hsm-2027”');
    expect(trail).toContain('Public key removed');
    expect(trail).toContain('EdDSA key “laptop-2026”');
  }, 120_000);
});
