import type { Migration } from 'kysely';
import * as m0001 from './0001_clients_and_tokens.js';
import * as m0004 from './0004_signing_keys.js';

/** sqlite schema, in order. Never edit a shipped migration: add the next file and list it here. */
export const sqliteMigrations: Record<string, Migration> = {
  '0001_clients_and_tokens': m0001,
  '0004_signing_keys': m0004,
};
