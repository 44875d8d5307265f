import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createClient } from '../../src/core/client-management.js';
import { newOpaqueToken } from '../../src/core/random.js';
import { bearerAuthPlugin, IntrospectionTokenValidator } from '../../src/http/bearer-auth.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../helpers/start-server.js';
import { manualScheduler } from '../../src/webhooks/worker.js';
import { BACKENDS, sqliteBackend } from '../helpers/backends.js';
import { basic, postForm, TestClock } from '../helpers/test-server.js';
import { call, createWebhookTestServer, type WebhookTestServer } from '../webhooks/helpers.js';

const CHALLENGE = 'Bearer realm="api"';

describe.each(BACKENDS)('Webhook API bearer auth (SECURITY-CASES F) on $name', (backend) => {
  let t: WebhookTestServer;
  let good: string;
  beforeAll(async () => {
    t = await createWebhookTestServer({ backend });
    good = (await t.credential()).token;
  });
  afterAll(() => t.close());

  // Each row: the Authorization header (a function where it needs a live token), then the exact answer.
  const rows: Array<[string, () => Promise<string | undefined>, number, string, string | undefined]> = [
    ['F1 no Authorization header', async () => undefined, 401, CHALLENGE, undefined],
    ['F2 "Bearer" with no token', async () => 'Bearer', 400, `${CHALLENGE}, error="invalid_request"`, 'invalid_request'],
    ['F2 "Bearer a b"', async () => 'Bearer a b', 400, `${CHALLENGE}, error="invalid_request"`, 'invalid_request'],
    ['F2 characters outside b64token', async () => 'Bearer abc!def', 400, `${CHALLENGE}, error="invalid_request"`, 'invalid_request'],
    ['F2 quoted token', async () => `Bearer "${good}"`, 400, `${CHALLENGE}, error="invalid_request"`, 'invalid_request'],
    ['F3 Basic credentials sent to the RS', async () => basic('a'.repeat(24), 'b'.repeat(48)), 401, CHALLENGE, undefined],
    ['F6 unknown token', async () => `Bearer ${newOpaqueToken()}`, 401, `${CHALLENGE}, error="invalid_token"`, 'invalid_token'],
    [
      'F6 revoked token',
      async () => {
        const c = await t.credential();
        const res = await postForm(t.app(), '/oauth/revoke', `token=${c.token}`, { authorization: basic(c.id, c.secret) });
        expect(res.statusCode).toBe(200);
        return c.auth;
      },
      401,
      `${CHALLENGE}, error="invalid_token"`,
      'invalid_token',
    ],
    [
      'F6 production token at the sandbox',
      async () => (await t.credential({ environment: 'production' })).auth,
      401,
      `${CHALLENGE}, error="invalid_token"`,
      'invalid_token',
    ],
    [
      'F6 token of a deleted credential',
      async () => {
        const c = await t.credential();
        await t.store.clients.delete(c.id, t.clock.now());
        return c.auth;
      },
      401,
      `${CHALLENGE}, error="invalid_token"`,
      'invalid_token',
    ],
    [
      'F7 valid token without webhooks scope',
      async () => (await t.credential({}, 'transactions')).auth,
      403,
      `${CHALLENGE}, error="insufficient_scope", scope="webhooks"`,
      'insufficient_scope',
    ],
  ];

  for (const path of ['/v1/webhooks', '/v1/events', '/v1/no-such-thing']) {
    it.each(rows)(`RFC 6750 §3.1: %s → exact status and challenge at ${path}`, async (_name, header, status, challenge, error) => {
      const res = await call(t.app(), 'GET', path, await header());
      expect(res.statusCode).toBe(status);
      expect(res.headers['www-authenticate']).toBe(challenge);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      if (error === undefined) expect(res.json()).not.toHaveProperty('error');
      else expect(res.json().error).toBe(error);
    });
  }

  it('F5 expired token → 401 invalid_token, "The access token expired"', async () => {
    const c = await t.credential();
    t.clock.advance(3601);
    try {
      const res = await call(t.app(), 'GET', '/v1/webhooks', c.auth);
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe(`${CHALLENGE}, error="invalid_token", error_description="The access token expired"`);
    } finally {
      t.clock.advance(-3601);
    }
  });

  it.each([['bearer'], ['BEARER'], ['Bearer']])('F8 scheme %s is accepted (RFC 7235 §2.1 case-insensitive)', async (scheme) => {
    const res = await call(t.app(), 'GET', '/v1/webhooks', `${scheme} ${good}`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('F6 sandbox token at production → 401 invalid_token', async () => {
    const res = await call(t.app('production'), 'GET', '/v1/webhooks', `Bearer ${good}`);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe(`${CHALLENGE}, error="invalid_token"`);
  });

  it('a revoked token is rejected by the Webhook API on the very next request', async () => {
    const c = await t.credential();
    expect((await call(t.app(), 'GET', '/v1/webhooks', c.auth)).statusCode).toBe(200);
    await postForm(t.app(), '/oauth/revoke', `token=${c.token}`, { authorization: basic(c.id, c.secret) });
    const res = await call(t.app(), 'GET', '/v1/webhooks', c.auth);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe(`${CHALLENGE}, error="invalid_token"`);
  });

  it('a refused request changes nothing: POST without a good token creates no webhook', async () => {
    const res = await call(t.app(), 'POST', '/v1/webhooks', 'Bearer nope', { payload_url: 'https://example.com/hook' });
    expect(res.statusCode).toBe(401);
    const list = await call(t.app(), 'GET', '/v1/webhooks', `Bearer ${good}`);
    expect(list.json().pagination.total).toBe(0);
  });

  it('the token is checked before the body is read: bad JSON with no token is still 401', async () => {
    const res = await t.app().inject({ method: 'POST', url: '/v1/webhooks', headers: { 'content-type': 'application/json' }, payload: '{' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe(CHALLENGE);
  });
});

describe('IntrospectionTokenValidator › a resource server running apart (RFC 7662)', () => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  const clock = new TestClock();
  let rs: { id: string; secret: string };
  let endpoint: string;

  beforeAll(async () => {
    const created = await sqliteBackend.create();
    cleanup = created.cleanup;
    const config = resolveConfig({ db: created.url, serverKey: 'b'.repeat(64), logLevel: 'silent', sandboxPort: 0, productionPort: 0 });
    server = await startServer(config, { store: created.store, clock, webhooks: { scheduler: manualScheduler } });
    const made = await createClient(
      { clients: created.store.clients, hasher: server.hasher, clock },
      { environment: 'sandbox', name: 'resource server', scopes: ['webhooks'], isResourceServer: true },
    );
    rs = { id: made.client.id, secret: made.secret! };
    endpoint = `${server.urls.sandbox}/oauth/introspect`;
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  async function token(scope = 'webhooks') {
    const made = await createClient(
      { clients: server.store.clients, hasher: server.hasher, clock },
      { environment: 'sandbox', name: 'merchant app', scopes: ['webhooks', 'transactions'] },
    );
    const res = await postForm(server.apps.sandbox, '/oauth/token', `grant_type=client_credentials&scope=${scope}`, {
      authorization: basic(made.client.id, made.secret!),
    });
    return { value: res.json().access_token as string, id: made.client.id, secret: made.secret! };
  }

  const revoke = (tk: { value: string; id: string; secret: string }) =>
    postForm(server.apps.sandbox, '/oauth/revoke', `token=${tk.value}`, { authorization: basic(tk.id, tk.secret) });

  it('F9: introspection without resource-server credentials → 401 invalid_client', async () => {
    const res = await postForm(server.apps.sandbox, '/oauth/introspect', 'token=abc');
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('invalid_client');
  });

  it('default max age 0: a revocation is seen by the next validation', async () => {
    const v = new IntrospectionTokenValidator({ endpoint, clientId: rs.id, clientSecret: rs.secret, clock });
    const tk = await token();
    expect(await v.validate(tk.value)).toMatchObject({ active: true, scopes: ['webhooks'] });
    await revoke(tk);
    expect(await v.validate(tk.value)).toEqual({ active: false, reason: 'invalid' });
  });

  it('with a cache of N seconds, a revoked token passes for at most N more seconds', async () => {
    const v = new IntrospectionTokenValidator({ endpoint, clientId: rs.id, clientSecret: rs.secret, clock, cacheMaxAgeSeconds: 30 });
    const tk = await token();
    expect((await v.validate(tk.value)).active).toBe(true);
    await revoke(tk);
    clock.advance(29);
    expect((await v.validate(tk.value)).active).toBe(true);
    clock.advance(1);
    expect(await v.validate(tk.value)).toEqual({ active: false, reason: 'invalid' });
  });

  it('a cached answer never outlives the token: past exp it reports expired', async () => {
    const v = new IntrospectionTokenValidator({ endpoint, clientId: rs.id, clientSecret: rs.secret, clock, cacheMaxAgeSeconds: 7200 });
    const tk = await token();
    expect((await v.validate(tk.value)).active).toBe(true);
    clock.advance(3600);
    expect(await v.validate(tk.value)).toEqual({ active: false, reason: 'expired' });
  });

  it('fails closed: an unreachable introspection endpoint → 503, never a pass', async () => {
    const v = new IntrospectionTokenValidator({ endpoint: 'http://127.0.0.1:1/oauth/introspect', clientId: rs.id, clientSecret: rs.secret, clock });
    await expect(v.validate('abc')).rejects.toMatchObject({ status: 503, code: 'temporarily_unavailable' });
  });

  it('wrong resource-server credentials fail closed too', async () => {
    const v = new IntrospectionTokenValidator({ endpoint, clientId: rs.id, clientSecret: 'x'.repeat(48), clock });
    await expect(v.validate('abc')).rejects.toMatchObject({ status: 503 });
  });

  it('bearerAuthPlugin protects another Fastify app, validating through introspection', async () => {
    const other = Fastify();
    await other.register(bearerAuthPlugin, {
      prefix: '/devices',
      bearer: { validator: new IntrospectionTokenValidator({ endpoint, clientId: rs.id, clientSecret: rs.secret, clock }), requiredScope: 'devices', realm: 'devices' },
      routes: (scope) => {
        scope.get('/mine', async (request) => ({ client: request.bearer!.clientId }));
      },
    });
    try {
      const none = await other.inject({ method: 'GET', url: '/devices/mine' });
      expect(none.statusCode).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer realm="devices"');
      const tk = await token('webhooks');
      const noScope = await other.inject({ method: 'GET', url: '/devices/mine', headers: { authorization: `Bearer ${tk.value}` } });
      expect(noScope.statusCode).toBe(403);
      expect(noScope.headers['www-authenticate']).toBe('Bearer realm="devices", error="insufficient_scope", scope="devices"');
      const unknown = await other.inject({ method: 'GET', url: '/devices/nothing', headers: { authorization: 'Bearer abc' } });
      expect(unknown.statusCode).toBe(401);
      expect(unknown.headers['www-authenticate']).toBe('Bearer realm="devices", error="invalid_token"');
    } finally {
      await other.close();
    }
  });
});
