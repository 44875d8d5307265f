import type { Command } from 'commander';
import { systemClock, type Clock } from '../core/clock.js';
import { SecretHasher } from '../core/secret-hasher.js';
import { loadServerKey } from '../server-key.js';
import { openStore, sqlitePathOf } from '../storage/open-store.js';
import type { Store } from '../storage/types.js';
import { configFromEnv, DEFAULT_CONFIG } from '../config.js';
import { addServerKeyOptions, serverKeyFromFlags, type KeyFlags } from './server-key-file.js';

export { CliError } from './context-errors.js';

export interface DbOptions extends KeyFlags {
  db?: string;
}

interface CliContext {
  store: Store;
  hasher: SecretHasher;
  clock: Clock;
}

/** Adds `--db` and the server key flags to a command that works on an existing database. */
export function addDbOptions(command: Command): Command {
  command.option('--db <url>', `database URL: sqlite:PATH or postgres://… (env DATABASE_URL; default ${DEFAULT_CONFIG.db})`);
  return addServerKeyOptions(command);
}

/**
 * Opens the database and key the same way `serve` does, so CLI changes are seen by a running server. Only `serve`
 * and `migrate` create a database: here a missing one fails, naming its path, before any file is written.
 */
async function openCliContext(options: DbOptions): Promise<CliContext> {
  const env = configFromEnv(process.env);
  const configuredKey = serverKeyFromFlags(options) ?? env.serverKey;
  const db = options.db ?? env.db ?? DEFAULT_CONFIG.db;
  const store = await openStore(db, { create: false });
  try {
    const hasher = new SecretHasher(loadServerKey(configuredKey, sqlitePathOf(db), { create: false }));
    return { store, hasher, clock: systemClock };
  } catch (err) {
    await store.close();
    throw err;
  }
}

export async function withCliContext<T>(options: DbOptions, fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const ctx = await openCliContext(options);
  try {
    return await fn(ctx);
  } finally {
    await ctx.store.close();
  }
}

/** Prints to stdout as one JSON document or as aligned text. */
export function print(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(json ? JSON.stringify(value, null, 2) + '\n' : text() + '\n');
}
