import { Kysely, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema.js';
import { KyselyClientRepository } from '../repositories/clients.js';
import { KyselySigningKeyRepository } from '../repositories/signing-keys.js';
import { KyselyTokenRepository } from '../repositories/tokens.js';
import type { Store } from '../types.js';
import { StaticMigrationProvider, runMigrations } from '../migrate.js';
import { postgresMigrations } from './migrations/index.js';

export interface PostgresOptions {
  connectionString: string;
  poolSize?: number;
  /** Apply pending migrations at open (tests, `serve --migrate`); otherwise `mypos-auth migrate` does it. */
  migrate?: boolean;
}

const INT8_OID = 20;

/**
 * The multi-node backend: any number of stateless server processes share one PostgreSQL database.
 * bigint columns come back as numbers (Unix seconds fit easily), set per pool rather than on pg's global
 * type table.
 */
export async function openPostgresStore(options: PostgresOptions): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection (server restart, failover) must not crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  if (options.migrate ?? true) {
    await runMigrations(new Migrator({ db, provider: new StaticMigrationProvider(postgresMigrations) }));
  }

  return {
    dialect: 'postgres',
    clients: new KyselyClientRepository(db),
    tokens: new KyselyTokenRepository(db),
    signingKeys: new KyselySigningKeyRepository(db),
    async ping() {
      await pool.query('select 1');
    },
    async close() {
      await db.destroy();
    },
  };
}
