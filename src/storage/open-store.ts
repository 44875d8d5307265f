import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UnmigratedDatabaseError } from './migrate.js';
import type { Store } from './types.js';
import { openSqliteStore } from './sqlite/connect.js';
import { DatabaseOpenError, describePostgresUrl, parseDatabaseUrl } from './database-url.js';

interface OpenStoreOptions {
  /** Apply pending migrations (PostgreSQL; SQLite always migrates at open). */
  migrate?: boolean;
  /**
   * Create a SQLite database (and its directories) that does not exist yet. Default true; the CLI's management
   * commands pass false, so a mistyped path fails instead of leaving an empty database behind.
   */
  create?: boolean;
}

/**
 * Opens the store named by a database URL: `sqlite:PATH` for the embedded default, `postgres://…` for the
 * multi-node backend (which refuses to open with pending migrations unless `migrate`). Expected failures are a
 * DatabaseUrlError or DatabaseOpenError naming the database.
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const location = parseDatabaseUrl(url);
  if (location.kind === 'postgres') {
    const { openPostgresStore } = await import('./postgres/connect.js');
    try {
      return await openPostgresStore({ connectionString: url, migrate: options.migrate ?? false });
    } catch (err) {
      if (err instanceof UnmigratedDatabaseError) throw err;
      throw new DatabaseOpenError(`cannot open the PostgreSQL database ${describePostgresUrl(url)}: ${(err as Error).message}`, { cause: err });
    }
  }
  const { path } = location;
  if (path !== ':memory:' && !(options.create ?? true)) {
    const full = resolve(path);
    if (!existsSync(full)) {
      throw new DatabaseOpenError(`no SQLite database at ${full} (only "serve" and "migrate" create one)`);
    }
    if (!statSync(full).isFile()) throw new DatabaseOpenError(`${full} is not a SQLite database (not a file)`);
  }
  return openSqliteStore({ path, create: options.create ?? true });
}

/** Where the embedded default keeps its files (the server key lives beside the database). */
export function sqlitePathOf(url: string): string | undefined {
  const location = parseDatabaseUrl(url);
  return location.kind === 'sqlite' ? location.path : undefined;
}
