import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { createClient } from '../../src/core/client-management.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../helpers/start-server.js';
import { openSqliteStore } from '../../src/storage/sqlite/connect.js';
import type { Store } from '../../src/storage/types.js';
import { basic, FORM } from '../helpers/test-server.js';

describe('storage faults › SQLite locked by another process', () => {
  let dir: string;
  let store: Store;
  let server: RunningServer;
  let lock: BetterSqlite3.Database;
  let creds: { id: string; secret: string };
  let token: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mypos-auth-fault-'));
    const path = join(dir, 'db.sqlite');
    store = await openSqliteStore({ path, busyTimeoutMs: 50 });
    server = await startServer(resolveConfig({ db: `sqlite:${path}`, serverKey: 'b'.repeat(64), logLevel: 'silent' }), { store, listen: false });
    const { client, secret } = await createClient({ clients: store.clients, hasher: server.hasher, clock: { now: () => Math.floor(Date.now() / 1000) } }, { environment: 'sandbox', name: 'f', scopes: ['webhooks'] });
    creds = { id: client.id, secret: secret! };
    token = (await server.apps.sandbox.inject({ method: 'POST', url: '/oauth/token', payload: 'grant_type=client_credentials', headers: { ...FORM, authorization: basic(creds.id, creds.secret) } })).json().access_token;
    lock = new BetterSqlite3(path);
  });
  afterAll(async () => {
    lock.close();
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('E10 / fault table: a write while the database is locked → 503 temporarily_unavailable + Retry-After, then recovery without restart', async () => {
    lock.exec('BEGIN EXCLUSIVE');
    try {
      const res = await server.apps.sandbox.inject({ method: 'POST', url: '/oauth/token', payload: 'grant_type=client_credentials', headers: { ...FORM, authorization: basic(creds.id, creds.secret) } });
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'The service is temporarily unavailable' });
      expect(res.headers['retry-after']).toBe('5');
      expect(res.headers['cache-control']).toBe('no-store');
      const revoke = await server.apps.sandbox.inject({ method: 'POST', url: '/oauth/revoke', payload: `token=${token}`, headers: { ...FORM, authorization: basic(creds.id, creds.secret) } });
      // RFC 7009 §2.2.1: the client must assume the token still lives.
      expect(revoke.statusCode).toBe(503);
      expect(revoke.headers['retry-after']).toBeDefined();
      // WAL: readers are not blocked by a writer, so introspection keeps answering.
      const read = await server.apps.sandbox.inject({ method: 'POST', url: '/oauth/introspect', payload: `token=${token}`, headers: { ...FORM, authorization: basic(creds.id, creds.secret) } });
      expect(read.json()).toMatchObject({ active: true });
    } finally {
      lock.exec('ROLLBACK');
    }
    const again = await server.apps.sandbox.inject({ method: 'POST', url: '/oauth/token', payload: 'grant_type=client_credentials', headers: { ...FORM, authorization: basic(creds.id, creds.secret) } });
    expect(again.statusCode).toBe(200);
  });
});
