import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { KyselyAuthorizationCodeRepository } from '../repositories/codes.js';
import { KyselyConsentRepository } from '../repositories/consents.js';
import { KyselyPushedAuthorizationRequestRepository } from '../repositories/pushed-requests.js';
import { KyselyFormSubmissionRepository } from '../repositories/form-submissions.js';
import { KyselySecretRevealRepository } from '../repositories/secret-reveals.js';
import { KyselyTwoFactorRepository } from '../repositories/two-factor.js';
import { KyselyUsedJtiRepository } from '../repositories/used-jtis.js';
import { KyselyPasskeyRepository } from '../repositories/passkeys.js';
import { KyselyWebhookRepository } from '../repositories/webhooks.js';
import { KyselyListenSessionRepository } from '../repositories/listen-sessions.js';
import { KyselyMerchantRepository } from '../repositories/merchants.js';
import { KyselySessionRepository } from '../repositories/sessions.js';
import { KyselyAuditRepository } from '../repositories/audit.js';
import { KyselyUsageRepository } from '../repositories/usage.js';
import { KyselySigningKeyRepository } from '../repositories/signing-keys.js';
import type { Store } from '../types.js';
import { DatabaseOpenError } from '../database-url.js';
import { newMigrator, runMigrations } from '../migrate.js';
import { ConnectionLock } from './connection-lock.js';
import { CachedSqliteDialect } from './dialect.js';
import { SqliteHotPath } from './hot-path.js';
import { hotPathRepositories } from '../hot-path.js';
import { SQLITE_COLUMN_TYPES } from '../migrations/column-types.js';
import { migrationsFor } from '../migrations/index.js';

interface SqliteOptions {
  /** File path, or ':memory:' for a throw-away database. */
  path: string;
  /** How long a writer waits for another process's lock before the request answers 503. */
  busyTimeoutMs?: number;
  /** Create the file and its directories when missing (default true); false fails on a missing file. */
  create?: boolean;
}

/**
 * Opens the embedded default store: better-sqlite3 in WAL mode with synchronous=FULL, so a committed
 * token survives a process crash and a power loss. Migrations run at open: the embedded database needs no
 * separate step.
 */
export async function openSqliteStore(options: SqliteOptions): Promise<Store> {
  const create = options.create ?? true;
  if (options.path !== ':memory:' && create) mkdirSync(dirname(options.path), { recursive: true });
  const sqlite = new BetterSqlite3(options.path, { fileMustExist: !create && options.path !== ':memory:' });
  try {
    sqlite.pragma('journal_mode = WAL');
  } catch (err) {
    sqlite.close();
    // The first read of the file: a text file or another program's data fails here.
    if ((err as { code?: string }).code === 'SQLITE_NOTADB') {
      throw new DatabaseOpenError(`${resolve(options.path)} is not a SQLite database`, { cause: err });
    }
    throw err;
  }
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  sqlite.pragma('foreign_keys = ON');

  const lock = new ConnectionLock();
  const db = new Kysely<Database>({ dialect: new CachedSqliteDialect(sqlite, lock) });
  await runMigrations(newMigrator(db, migrationsFor(SQLITE_COLUMN_TYPES)));

  const hot = new SqliteHotPath(sqlite, lock);
  return {
    dialect: 'sqlite',
    ...hotPathRepositories(hot, db),
    codes: new KyselyAuthorizationCodeRepository(db),
    consents: new KyselyConsentRepository(db),
    formSubmissions: new KyselyFormSubmissionRepository(db),
    secretReveals: new KyselySecretRevealRepository(db),
    pushedRequests: new KyselyPushedAuthorizationRequestRepository(db),
    twoFactor: new KyselyTwoFactorRepository(db),
    usedJtis: new KyselyUsedJtiRepository(db),
    passkeys: new KyselyPasskeyRepository(db),
    poolStats: () => undefined,
    webhooks: new KyselyWebhookRepository(db),
    listenSessions: new KyselyListenSessionRepository(db),
    merchants: new KyselyMerchantRepository(db),
    sessions: new KyselySessionRepository(db),
    audit: new KyselyAuditRepository(db),
    usage: new KyselyUsageRepository(db),
    signingKeys: new KyselySigningKeyRepository(db),
    async ping() {
      await lock.run(() => sqlite.prepare('select 1').get());
    },
    async close() {
      await db.destroy();
    },
  };
}
