import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgresStore } from '../../src/storage/postgres/connect.js';
import { openSqliteStore } from '../../src/storage/sqlite/connect.js';
import type { Store } from '../../src/storage/types.js';

/**
 * The storage backends every storage-touching suite runs on. PostgreSQL is the real server
 * (TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres). Without it a developer's run
 * skips the PostgreSQL half with a visible message; in CI (CI=true) a missing server fails the run.
 */
export const ADMIN_PG_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestBackend {
  name: 'sqlite' | 'postgres';
  /** A fresh, empty, migrated store, and its URL for child processes. */
  create(): Promise<{ store: Store; url: string; cleanup(): Promise<void> }>;
}

const sqliteBackend: TestBackend = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'mypos-auth-test-'));
    const path = join(dir, 'db.sqlite');
    const store = await openSqliteStore({ path });
    return {
      store,
      url: `sqlite:${path}`,
      async cleanup() {
        await store.close().catch(() => {});
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

const postgresBackend: TestBackend = {
  name: 'postgres',
  async create() {
    const name = `mypos_test_${randomBytes(6).toString('hex')}`;
    await adminQuery(`create database ${name}`);
    const url = withDatabase(ADMIN_PG_URL, name);
    const store = await openPostgresStore({ connectionString: url, poolSize: 5 });
    return {
      store,
      url,
      async cleanup() {
        await store.close().catch(() => {});
        await adminQuery(`drop database if exists ${name} with (force)`).catch(() => {});
      },
    };
  },
};

export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_PG_URL, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

async function postgresReachable(): Promise<boolean> {
  try {
    await adminQuery('select 1');
    return true;
  } catch {
    return false;
  }
}

const pgUp = await postgresReachable();
if (!pgUp) {
  if (process.env.CI === 'true') throw new Error(`PostgreSQL is required in CI but ${ADMIN_PG_URL} is not reachable`);
  console.warn(`\n[mypos-auth tests] PostgreSQL not reachable at ${ADMIN_PG_URL}: PostgreSQL suites are SKIPPED.\n`);
}

export const POSTGRES_AVAILABLE = pgUp;
// TEST_BACKENDS=sqlite narrows a run to one backend on purpose (mutation testing, vitest.mutation.config.ts).
const only = process.env.TEST_BACKENDS?.split(',');
export const BACKENDS: TestBackend[] = (pgUp ? [sqliteBackend, postgresBackend] : [sqliteBackend]).filter((b) => !only || only.includes(b.name));
export { sqliteBackend, postgresBackend };
