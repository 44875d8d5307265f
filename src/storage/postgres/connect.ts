import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from '../schema.js';
import { KyselyAuthorizationCodeRepository } from '../repositories/codes.js';
import { KyselyConsentRepository } from '../repositories/consents.js';
import { KyselyPushedAuthorizationRequestRepository } from '../repositories/pushed-requests.js';
import { KyselyFormSubmissionRepository } from '../repositories/form-submissions.js';
import { KyselySecretRevealRepository } from '../repositories/secret-reveals.js';
import { KyselyTwoFactorRepository } from '../repositories/two-factor.js';
import { KyselyUsedJtiRepository } from '../repositories/used-jtis.js';
import { KyselyPasskeyRepository } from '../repositories/passkeys.js';
import { KyselySigningKeyRepository } from '../repositories/signing-keys.js';
import { KyselyWebhookRepository } from '../repositories/webhooks.js';
import { KyselyListenSessionRepository } from '../repositories/listen-sessions.js';
import { KyselyMerchantRepository } from '../repositories/merchants.js';
import { KyselySessionRepository } from '../repositories/sessions.js';
import { KyselyAuditRepository } from '../repositories/audit.js';
import { KyselyUsageRepository } from '../repositories/usage.js';
import type { Store } from '../types.js';
import { newMigrator, pendingMigrations, runMigrations, UnmigratedDatabaseError } from '../migrate.js';
import { PostgresHotPath } from './hot-path.js';
import { hotPathRepositories } from '../hot-path.js';
import { POSTGRES_COLUMN_TYPES } from '../migrations/column-types.js';
import { migrationsFor } from '../migrations/index.js';

interface PostgresOptions {
  connectionString: string;
  poolSize?: number;
  /**
   * Apply pending migrations at open (tests, `serve --migrate`, `mypos-auth migrate`). When false, opening a
   * database with pending migrations fails with UnmigratedDatabaseError.
   */
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
  // A connection lost during a restart or failover must not crash the process: the error reaches the
  // query that was using it (→ 503), and the pool discards the client. pg emits it on the pool for idle
  // clients and on the client itself for checked-out ones; both need a listener.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const migrator = newMigrator(db, migrationsFor(POSTGRES_COLUMN_TYPES));
  try {
    if (options.migrate ?? true) {
      await runMigrations(migrator);
    } else {
      const pending = await pendingMigrations(migrator);
      if (pending.length > 0) throw new UnmigratedDatabaseError(pending);
    }
  } catch (err) {
    await db.destroy();
    throw err;
  }

  const hot = new PostgresHotPath(pool);
  return {
    dialect: 'postgres',
    ...hotPathRepositories(hot, db),
    codes: new KyselyAuthorizationCodeRepository(db),
    consents: new KyselyConsentRepository(db),
    formSubmissions: new KyselyFormSubmissionRepository(db),
    secretReveals: new KyselySecretRevealRepository(db),
    pushedRequests: new KyselyPushedAuthorizationRequestRepository(db),
    twoFactor: new KyselyTwoFactorRepository(db),
    usedJtis: new KyselyUsedJtiRepository(db),
    passkeys: new KyselyPasskeyRepository(db),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    webhooks: new KyselyWebhookRepository(db),
    listenSessions: new KyselyListenSessionRepository(db),
    merchants: new KyselyMerchantRepository(db),
    sessions: new KyselySessionRepository(db),
    audit: new KyselyAuditRepository(db),
    usage: new KyselyUsageRepository(db),
    signingKeys: new KyselySigningKeyRepository(db),
    async ping() {
      await pool.query('select 1');
    },
    async close() {
      await db.destroy();
    },
  };
}
