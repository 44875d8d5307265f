import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { currentMerchant } from '../../src/account/session.js';
import { registerWebSecurity } from '../../src/account/web-security.js';
import { csrfToken } from '../../src/account/request.js';
import { resolveConfig } from '../../src/config.js';
import { purgeExpiredTokens, type RunningServer } from '../../src/server.js';
import { startServer } from '../helpers/start-server.js';
import { BACKENDS } from '../helpers/backends.js';
import { AccountAgent } from './agent.js';
import { TestClock } from '../helpers/test-server.js';

/**
 * The session lookup and the browser-route security are reusable outside /account (the consent page of
 * /oauth/authorize builds on them): a route group of its own sees the signed-in merchant and gets CSRF.
 */
describe.each(BACKENDS)('web account › reusable session and web security ($name)', (backend) => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  const clock = new TestClock();

  beforeAll(async () => {
    const b = await backend.create();
    cleanup = b.cleanup;
    const config = resolveConfig({ db: b.url, serverKey: 'd'.repeat(64), logLevel: 'silent' });
    server = await startServer(config, {
      store: b.store,
      clock,
      listen: false,
      plugins: [
        (app, ctx) => {
          app.get('/probe/whoami', async (request) => ({ email: (await currentMerchant(ctx, request))?.merchant.email ?? null }));
          void app.register(async (scope) => {
            await registerWebSecurity(scope, ctx);
            scope.get('/consent', async (request, reply) => ({ csrf: csrfToken(ctx, request, reply) }));
            scope.post('/consent', { preHandler: scope.csrfProtection }, async (request) => ({ ok: true, email: (await currentMerchant(ctx, request))?.merchant.email }));
          }, { prefix: '/probe' });
        },
      ],
    });
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  it('currentMerchant() works on a route outside /account, reading the cookie header itself', async () => {
    const a = new AccountAgent(server.apps.sandbox);
    expect((await a.get('/probe/whoami')).json()).toEqual({ email: null });
    await a.signup('reuse@example.com');
    expect((await a.get('/probe/whoami')).json()).toEqual({ email: 'reuse@example.com' });
  });

  it('registerWebSecurity() gives another route group CSRF, the cross-site check and the headers', async () => {
    const a = new AccountAgent(server.apps.sandbox);
    await a.signup('reuse2@example.com');
    const page = await a.get('/probe/consent');
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    const token = page.json().csrf as string;
    expect((await a.post('/probe/consent', {}, { csrf: false })).statusCode).toBe(403);
    expect((await a.post('/probe/consent', {}, { csrf: token, headers: { origin: 'https://evil.example' } })).statusCode).toBe(403);
    const ok = await a.post('/probe/consent', {}, { csrf: token });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ ok: true, email: 'reuse2@example.com' });
  });

  it('the purge job removes expired sessions and usage counters older than 35 days, in batches', async () => {
    const a = new AccountAgent(server.apps.sandbox);
    await a.signup('purge@example.com');
    const now = clock.now();
    const hour = now - (now % 3600);
    await server.store.usage.add([
      { clientId: 'AAAAAAAAAAAAAAAAAAAAAAAA', hour: hour - 40 * 86_400, issued: 1, failed: 0 },
      { clientId: 'AAAAAAAAAAAAAAAAAAAAAAAA', hour: hour - 36 * 86_400, issued: 1, failed: 0 },
      { clientId: 'AAAAAAAAAAAAAAAAAAAAAAAA', hour: hour - 10 * 86_400, issued: 1, failed: 0 },
    ]);
    clock.advance(13 * 3600);
    await purgeExpiredTokens(server.store, clock);
    expect((await server.store.usage.hourly('AAAAAAAAAAAAAAAAAAAAAAAA', 0)).map((r) => r.hour)).toEqual([hour - 10 * 86_400]);
    const hash = server.hasher.hash('session', a.cookies.get('mypos_session')!);
    expect(await server.store.sessions.find(hash)).toBeUndefined();
  });

  it('the purge job removes once-shown secrets past their 5 minutes and form nonces older than a day', async () => {
    const now = clock.now();
    const reveal = { sessionHash: 's'.repeat(64), clientId: 'c', kind: 'created' as const, sealed: 'x', createdAt: now, expiresAt: now + 300 };
    await server.store.secretReveals.create({ ...reveal, refHash: 'old'.padEnd(64, '0') });
    await server.store.secretReveals.create({ ...reveal, refHash: 'new'.padEnd(64, '0'), expiresAt: now + 86_400 * 2 });
    await server.store.formSubmissions.claim('old'.padEnd(64, '0'), 'b', now);
    clock.advance(86_401);
    await server.store.formSubmissions.claim('new'.padEnd(64, '0'), 'b', clock.now());
    await purgeExpiredTokens(server.store, clock);
    expect(await server.store.secretReveals.take('old'.padEnd(64, '0'), 's'.repeat(64), now)).toEqual({ status: 'unknown' });
    expect((await server.store.secretReveals.take('new'.padEnd(64, '0'), 's'.repeat(64), clock.now())).status).toBe('shown');
    expect(await server.store.formSubmissions.find('old'.padEnd(64, '0'))).toBeUndefined();
    expect(await server.store.formSubmissions.find('new'.padEnd(64, '0'))).toBeDefined();
  });
});
