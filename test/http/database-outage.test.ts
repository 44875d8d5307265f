import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createClient } from '../../src/core/client-management.js';
import { systemClock } from '../../src/core/clock.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../helpers/start-server.js';
import { openPostgresStore } from '../../src/storage/postgres/connect.js';
import { ADMIN_PG_URL, adminQuery, POSTGRES_AVAILABLE } from '../helpers/backends.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { basic, FORM } from '../helpers/test-server.js';

describe.runIf(POSTGRES_AVAILABLE)('database outage › PostgreSQL goes away and comes back', () => {
  const dbName = `mypos_outage_${randomBytes(4).toString('hex')}`;
  const admin = new URL(ADMIN_PG_URL);
  const proxy = new TcpProxy(admin.hostname, Number(admin.port || 5432));
  let server: RunningServer;
  let creds: { id: string; secret: string };

  beforeAll(async () => {
    await adminQuery(`create database ${dbName}`);
    await proxy.start();
    const url = new URL(ADMIN_PG_URL);
    url.port = String(proxy.port);
    url.pathname = `/${dbName}`;
    const store = await openPostgresStore({ connectionString: url.toString(), poolSize: 4 });
    server = await startServer(resolveConfig({ db: url.toString(), serverKey: 'd'.repeat(64), logLevel: 'silent' }), { store, listen: false });
    const { client, secret } = await createClient({ clients: store.clients, hasher: server.hasher, clock: systemClock }, { environment: 'sandbox', name: 'o', scopes: ['webhooks'] });
    creds = { id: client.id, secret: secret! };
  });
  afterAll(async () => {
    await server.close();
    await server.store.close().catch(() => {});
    await proxy.cut().catch(() => {});
    await adminQuery(`drop database if exists ${dbName} with (force)`);
  });

  const tokenRequest = () =>
    server.apps.sandbox.inject({ method: 'POST', url: '/oauth/token', payload: 'grant_type=client_credentials', headers: { ...FORM, authorization: basic(creds.id, creds.secret) } });

  it('fault table: unreachable database → 503 temporarily_unavailable + Retry-After and readiness off; back without a restart', async () => {
    expect((await tokenRequest()).statusCode).toBe(200);
    await proxy.cut();
    for (let i = 0; i < 3; i++) {
      const res = await tokenRequest();
      expect(res.statusCode).toBe(503);
      expect(res.json().error).toBe('temporarily_unavailable');
      expect(res.headers['retry-after']).toBeDefined();
      expect(res.headers['cache-control']).toBe('no-store');
    }
    expect((await server.apps.sandbox.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    // Introspection fails closed: no answer is better than a stale "active".
    const intro = await server.apps.sandbox.inject({ method: 'POST', url: '/oauth/introspect', payload: 'token=x', headers: { ...FORM, authorization: basic(creds.id, creds.secret) } });
    expect(intro.statusCode).toBe(503);

    await proxy.restore();
    let status = 0;
    for (let i = 0; i < 20 && status !== 200; i++) {
      status = (await tokenRequest()).statusCode;
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
    expect((await server.apps.sandbox.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});
