import { randomBytes, randomUUID } from 'node:crypto';
import { s256 } from '../../src/core/pkce.js';
import { SecretHasher } from '../../src/core/secret-hasher.js';
import { openPostgresStore } from '../../src/storage/postgres/connect.js';
import { VERIFIER } from '../helpers/authorize.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_PG_URL, adminQuery, POSTGRES_AVAILABLE } from '../helpers/backends.js';
import { cli, freePort, startServe, type ServeProcess } from '../helpers/cli.js';

const KEY = randomBytes(32).toString('hex');
const env = { MYPOS_AUTH_SERVER_KEY: KEY };

const call = (base: string, path: string, body: string, id: string, secret: string) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64') },
    body,
  });

describe.runIf(POSTGRES_AVAILABLE)('many nodes › two serve processes on one PostgreSQL database', () => {
  const dbName = `mypos_nodes_${randomBytes(4).toString('hex')}`;
  const url = (() => {
    const u = new URL(ADMIN_PG_URL);
    u.pathname = `/${dbName}`;
    return u.toString();
  })();
  let a: ServeProcess;
  let b: ServeProcess;
  let c: { client_id: string; client_secret: string };
  let metricsPortA: number;

  beforeAll(async () => {
    await adminQuery(`create database ${dbName}`);
  });
  afterAll(async () => {
    for (const p of [a, b]) if (p && p.child.exitCode === null) p.child.kill('SIGKILL');
    await adminQuery(`drop database if exists ${dbName} with (force)`);
  });

  it('serve refuses an unmigrated database with a clear message; migrate fixes it', async () => {
    await expect(startServe(['--db', url], env)).rejects.toThrow(/needs migrations.*mypos-auth migrate/s);
    expect(await cli(['migrate', '--db', url])).toContain('up to date (postgres)');
  });

  it('a PostgreSQL node without a server key refuses to start', async () => {
    await expect(startServe(['--db', url], { MYPOS_AUTH_SERVER_KEY: '' })).rejects.toThrow(/server key shared by every node/);
  });

  it('both nodes start; a client created through the CLI is seen by both at once', async () => {
    const limits = ['--client-failures-per-minute', '4', '--ip-failures-per-minute', '1000', '--log-level', 'trace'];
    metricsPortA = await freePort();
    a = await startServe(['--db', url, ...limits, '--metrics-port', String(metricsPortA)], env);
    b = await startServe(['--db', url, ...limits], env);
    c = JSON.parse(await cli(['clients', 'create', '--db', url, '--environment', 'sandbox', '--json'], env));
    for (const node of [a, b]) {
      expect((await call(node.urls.sandbox, '/oauth/token', 'grant_type=client_credentials', c.client_id, c.client_secret)).status).toBe(200);
    }
  });

  it('a token issued by node A is valid at node B; revoked at B, it is dead at A on the next request', async () => {
    const tok = ((await (await call(a.urls.sandbox, '/oauth/token', 'grant_type=client_credentials', c.client_id, c.client_secret)).json()) as { access_token: string }).access_token;
    expect(await (await call(b.urls.sandbox, '/oauth/introspect', `token=${tok}`, c.client_id, c.client_secret)).json()).toMatchObject({ active: true });
    expect((await call(b.urls.sandbox, '/oauth/revoke', `token=${tok}`, c.client_id, c.client_secret)).status).toBe(200);
    expect(await (await call(a.urls.sandbox, '/oauth/introspect', `token=${tok}`, c.client_id, c.client_secret)).json()).toEqual({ active: false });
  });

  it('brute-force counters are shared: failures spread over both nodes block the pair on both', async () => {
    for (let i = 0; i < 4; i++) {
      const node = i % 2 === 0 ? a : b;
      expect((await call(node.urls.sandbox, '/oauth/token', 'grant_type=client_credentials', c.client_id, 'wrong')).status).toBe(401);
    }
    for (const node of [a, b]) {
      const res = await call(node.urls.sandbox, '/oauth/token', 'grant_type=client_credentials', c.client_id, c.client_secret);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('a client deleted through the CLI is refused by both nodes at once, and its tokens die', async () => {
    const d = JSON.parse(await cli(['clients', 'create', '--db', url, '--environment', 'sandbox', '--json'], env));
    const tok = ((await (await call(a.urls.sandbox, '/oauth/token', 'grant_type=client_credentials', d.client_id, d.client_secret)).json()) as { access_token: string }).access_token;
    await cli(['clients', 'delete', d.client_id, '--db', url], env);
    for (const node of [a, b]) {
      expect((await call(node.urls.sandbox, '/oauth/token', 'grant_type=client_credentials', d.client_id, d.client_secret)).status).toBe(401);
    }
    const rs = JSON.parse(await cli(['clients', 'create', '--db', url, '--environment', 'sandbox', '--resource-server', '--json'], env));
    expect(await (await call(b.urls.sandbox, '/oauth/introspect', `token=${tok}`, rs.client_id, rs.client_secret)).json()).toEqual({ active: false });
  });

  it('a refresh race across the two nodes has exactly one winner', async () => {
    const app = JSON.parse(await cli(['clients', 'create', '--db', url, '--environment', 'sandbox', '--grant', 'authorization_code', '--grant', 'refresh_token', '--redirect-uri', 'https://app.example/cb', '--json'], env));
    // The consent step, as /oauth/authorize stores it, straight into the shared database.
    const store = await openPostgresStore({ connectionString: url, migrate: false, poolSize: 2 });
    const hasher = new SecretHasher(Buffer.from(KEY, 'hex'));
    const code = 'C'.repeat(42);
    const now = Math.floor(Date.now() / 1000);
    await store.codes.create({ hash: hasher.hash('code', code), clientId: app.client_id, environment: 'sandbox', redirectUri: 'https://app.example/cb', scope: 'webhooks', codeChallenge: s256(VERIFIER), subject: 'm1', grantId: randomUUID(), createdAt: now, expiresAt: now + 60, consumedAt: null });
    await store.close();
    const first = await call(a.urls.sandbox, '/oauth/token', `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent('https://app.example/cb')}&code_verifier=${VERIFIER}`, app.client_id, app.client_secret);
    expect(first.status).toBe(200);
    const rt = ((await first.json()) as { refresh_token: string }).refresh_token;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => call((i % 2 ? a : b).urls.sandbox, '/oauth/token', `grant_type=refresh_token&refresh_token=${rt}`, app.client_id, app.client_secret)),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 400)).toHaveLength(19);
  });

  it('metrics count what each node issued', async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPortA}/metrics`)).text();
    expect(text).toMatch(/mypos_auth_tokens_issued_total\{grant_type="client_credentials",environment="sandbox"\} \d+/);
    expect(text).toMatch(/mypos_auth_db_pool_total \d+/);
    expect(text).toMatch(/mypos_auth_client_auth_failures_total\{environment="sandbox"\} [1-9]/);
  });

  it('SIGTERM: both nodes drain and exit 0', async () => {
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  });
});
