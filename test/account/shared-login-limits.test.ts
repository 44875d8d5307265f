import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../helpers/start-server.js';
import { openPostgresStore } from '../../src/storage/postgres/connect.js';
import { POSTGRES_AVAILABLE, postgresBackend } from '../helpers/backends.js';
import { AccountAgent } from './agent.js';

/** Issue 6: login guessing spread over two server processes meets one limit, counted in PostgreSQL. */
describe.runIf(POSTGRES_AVAILABLE)('web account › G5 login limits shared across nodes', () => {
  const servers: RunningServer[] = [];
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const b = await postgresBackend.create();
    cleanup = b.cleanup;
    const config = resolveConfig({ db: b.url, serverKey: 'a'.repeat(64), logLevel: 'silent', signupsPerIp: 10_000 });
    servers.push(await startServer(config, { store: b.store, listen: false }));
    servers.push(await startServer(config, { store: await openPostgresStore({ connectionString: b.url, migrate: false, poolSize: 2 }), listen: false }));
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await servers[1]?.store.close().catch(() => {});
    await cleanup();
  });

  it('G5: six failures spread over two nodes (three each, below one node\'s own limit of five) block the account on both, even with the right password', async () => {
    const [a, b] = servers.map((s) => new AccountAgent(s.apps.sandbox));
    await a!.signup('spread@example.com');
    for (let i = 0; i < 6; i++) {
      const agent = i % 2 ? b! : a!;
      const res = await agent.post('/account/login', { email: 'spread@example.com', password: `wrong password ${i}!` });
      expect(res.statusCode).not.toBe(303);
    }
    for (const agent of [a!, b!]) {
      const res = await agent.post('/account/login', { email: 'spread@example.com', password: 'correct horse battery staple' });
      expect(res.statusCode).toBe(429);
    }
  });
});

/** The cross-process login limits are configuration (loginFailuresPerAccountPerMinute), not fixed at 6. */
describe.runIf(POSTGRES_AVAILABLE)('web account › G5 login limits shared across nodes follow the configuration', () => {
  const servers: RunningServer[] = [];
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const b = await postgresBackend.create();
    cleanup = b.cleanup;
    const config = resolveConfig({ db: b.url, serverKey: 'a'.repeat(64), logLevel: 'silent', signupsPerIp: 10_000, loginFailuresPerAccountPerMinute: 2 });
    servers.push(await startServer(config, { store: b.store, listen: false }));
    servers.push(await startServer(config, { store: await openPostgresStore({ connectionString: b.url, migrate: false, poolSize: 2 }), listen: false }));
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    await servers[1]?.store.close().catch(() => {});
    await cleanup();
  });

  it('G5: with loginFailuresPerAccountPerMinute 2, two failures (one per node) block the account on both', async () => {
    const [a, b] = servers.map((s) => new AccountAgent(s.apps.sandbox));
    await a!.signup('configured@example.com');
    for (const agent of [a!, b!]) {
      const res = await agent.post('/account/login', { email: 'configured@example.com', password: 'a wrong password!' });
      expect(res.statusCode).not.toBe(303);
    }
    for (const agent of [a!, b!]) {
      const res = await agent.post('/account/login', { email: 'configured@example.com', password: 'correct horse battery staple' });
      expect(res.statusCode).toBe(429);
    }
  });
});
