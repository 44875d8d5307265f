import { randomUUID } from 'node:crypto';
import { newOpaqueToken } from '../../src/core/random.js';
import { s256 } from '../../src/core/pkce.js';
import type { TestServer } from './test-server.js';

export const VERIFIER = 'v'.repeat(20) + '-._~' + 'W'.repeat(30);

/**
 * Stores an authorization code exactly as /oauth/authorize does after the merchant consents, for tests of the
 * token endpoint's side of the code flow. The browser suites drive the real consent page.
 */
export async function grantCode(
  t: TestServer,
  clientId: string,
  options: { redirectUri?: string; scope?: string; verifier?: string; subject?: string; environment?: 'sandbox' | 'production'; resources?: string[] | null } = {},
): Promise<string> {
  const code = newOpaqueToken();
  const now = t.clock.now();
  await t.store.codes.create({
    hash: t.server.hasher.hash('code', code),
    clientId,
    environment: options.environment ?? 'sandbox',
    redirectUri: options.redirectUri ?? 'https://app.example/cb',
    scope: options.scope ?? 'webhooks',
    codeChallenge: s256(options.verifier ?? VERIFIER),
    subject: options.subject ?? 'merchant-1',
    grantId: randomUUID(),
    createdAt: now,
    expiresAt: now + 60,
    consumedAt: null,
    resources: options.resources ?? null,
  });
  return code;
}
