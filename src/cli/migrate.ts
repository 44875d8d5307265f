import type { Command } from 'commander';
import { configFromEnv, DEFAULT_CONFIG } from '../config.js';
import { openStore } from '../storage/open-store.js';
import { CliError } from './context.js';

/** `migrate`: bring the database schema up to date (PostgreSQL needs this before `serve`; SQLite does it itself). */
export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('apply pending database migrations')
    .option('--db <url>', 'database URL (env DATABASE_URL)')
    .action(async (o: { db?: string }) => {
      const db = o.db ?? configFromEnv(process.env).db ?? DEFAULT_CONFIG.db;
      let store;
      try {
        store = await openStore(db, { migrate: true });
      } catch (err) {
        throw new CliError(`Migration failed: ${(err as Error).message}`);
      }
      await store.close();
      process.stdout.write(`Database is up to date (${store.dialect}).\n`);
    });
}
