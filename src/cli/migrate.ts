import type { Command } from 'commander';
import { configFromEnv, DEFAULT_CONFIG } from '../config.js';
import { loadServerKey } from '../server-key.js';
import { openStore, sqlitePathOf } from '../storage/open-store.js';
import { CliError } from './context.js';
import { addServerKeyOptions, serverKeyFromFlags, type KeyFlags } from './server-key-file.js';

/**
 * `migrate`: bring the database schema up to date (PostgreSQL needs this before `serve`; SQLite does it itself).
 * With `serve`, the only command that creates a database: a new SQLite database gets its server.key beside it
 * (unless a key is given), so the management commands can use it at once.
 */
export function registerMigrate(program: Command): void {
  addServerKeyOptions(
    program
      .command('migrate')
      .description('create the database or apply pending migrations')
      .option('--db <url>', `database URL: sqlite:PATH or postgres://… (env DATABASE_URL; default ${DEFAULT_CONFIG.db}); created when missing`),
  ).action(async (o: { db?: string } & KeyFlags) => {
    const env = configFromEnv(process.env);
    const configuredKey = serverKeyFromFlags(o) ?? env.serverKey;
    const db = o.db ?? env.db ?? DEFAULT_CONFIG.db;
    let store;
    try {
      store = await openStore(db, { migrate: true });
    } catch (err) {
      throw new CliError(`Migration failed: ${(err as Error).message}`);
    }
    await store.close();
    const sqlitePath = sqlitePathOf(db);
    if (sqlitePath !== undefined) loadServerKey(configuredKey, sqlitePath);
    process.stdout.write(`Database is up to date (${store.dialect}).\n`);
  });
}
