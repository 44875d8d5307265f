import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import type { Database } from '../schema.js';
import { KyselyClientRepository } from '../repositories/clients.js';
import { KyselySigningKeyRepository } from '../repositories/signing-keys.js';
import { KyselyTokenRepository } from '../repositories/tokens.js';
import type { Store } from '../types.js';
import { StaticMigrationProvider, runMigrations } from '../migrate.js';
import { sqliteMigrations } from './migrations/index.js';

export interface SqliteOptions {
  /** File path, or ':memory:' for a throw-away database. */
  path: string;
  /** How long a writer waits for another process's lock before the request answers 503. */
  busyTimeoutMs?: number;
}

/**
 * Opens the embedded default store: better-sqlite3 in WAL mode with synchronous=FULL, so a committed
 * token survives a process crash and a power loss. Migrations run at open: the embedded database needs no
 * separate step.
 */
export async function openSqliteStore(options: SqliteOptions): Promise<Store> {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const sqlite = new BetterSqlite3(options.path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  sqlite.pragma('foreign_keys = ON');

  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  await runMigrations(new Migrator({ db, provider: new StaticMigrationProvider(sqliteMigrations) }));

  return {
    dialect: 'sqlite',
    clients: new KyselyClientRepository(db),
    tokens: new KyselyTokenRepository(db),
    signingKeys: new KyselySigningKeyRepository(db),
    async ping() {
      sqlite.prepare('select 1').get();
    },
    async close() {
      await db.destroy();
    },
  };
}
