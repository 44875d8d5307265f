import type { Store } from './types.js';
import { openSqliteStore } from './sqlite/connect.js';

/**
 * Opens the store named by a database URL: `sqlite:PATH` (or a bare path) for the embedded default,
 * `postgres://…` for the multi-node backend (which refuses to open with pending migrations unless `migrate`).
 */
export async function openStore(url: string, options: { migrate?: boolean } = {}): Promise<Store> {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const { openPostgresStore } = await import('./postgres/connect.js');
    return openPostgresStore({ connectionString: url, migrate: options.migrate ?? false });
  }
  const path = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  if (path === '') throw new Error('The sqlite: database URL needs a path, e.g. sqlite:./data/mypos-auth.db');
  return openSqliteStore({ path });
}

/** Where the embedded default keeps its files (the server key lives beside the database). */
export function sqlitePathOf(url: string): string | undefined {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return undefined;
  return url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
}
