import { systemClock, type Clock } from '../core/clock.js';
import { SecretHasher } from '../core/secret-hasher.js';
import { loadServerKey } from '../server-key.js';
import { openStore, sqlitePathOf } from '../storage/open-store.js';
import type { Store } from '../storage/types.js';
import { configFromEnv, DEFAULT_CONFIG } from '../config.js';

export interface DbOptions {
  db?: string;
  serverKey?: string;
}

export interface CliContext {
  store: Store;
  hasher: SecretHasher;
  clock: Clock;
}

/** Opens the database and key the same way `serve` does, so CLI changes are seen by a running server. */
export async function openCliContext(options: DbOptions): Promise<CliContext> {
  const env = configFromEnv(process.env);
  const db = options.db ?? env.db ?? DEFAULT_CONFIG.db;
  const store = await openStore(db);
  const hasher = new SecretHasher(loadServerKey(options.serverKey ?? env.serverKey, sqlitePathOf(db)));
  return { store, hasher, clock: systemClock };
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

/** A user-facing CLI failure: printed without a stack, exit code 1. */
export class CliError extends Error {}
