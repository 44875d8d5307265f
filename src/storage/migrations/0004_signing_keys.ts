import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * JWT signing keys (RFC 9068 access tokens), one row per key and environment. The private key is stored only
 * encrypted (AES-256-GCM under a key derived from the server key). Times are Unix seconds. One key per
 * (environment, activates_at): nodes racing to create the next key of the rotation schedule make one.
 */
export async function up(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('alg', 'text', (c) => c.notNull())
    .addColumn('public_jwk', 'text', (c) => c.notNull())
    .addColumn('private_key_encrypted', 'text', (c) => c.notNull())
    .addColumn('created_at', t.int64, (c) => c.notNull())
    .addColumn('activates_at', t.int64, (c) => c.notNull())
    .addColumn('deactivates_at', t.int64, (c) => c.notNull())
    .addColumn('expires_at', t.int64, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('signing_keys_schedule').on('signing_keys').columns(['environment', 'activates_at']).unique().execute();
  await db.schema.createIndex('signing_keys_expiry').on('signing_keys').column('expires_at').execute();
}
