import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * authorization_code and refresh_token: single-use codes (consumed_at set by one conditional update), and
 * refresh-token rotation state on the tokens table (rotated_at; family_expires_at, the absolute end of a grant).
 */
export async function up(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('authorization_codes')
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('code_challenge', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('grant_id', 'text', (c) => c.notNull())
    .addColumn('created_at', t.int64, (c) => c.notNull())
    .addColumn('expires_at', t.int64, (c) => c.notNull())
    .addColumn('consumed_at', t.int64)
    .execute();
  await db.schema.createIndex('authorization_codes_expiry').on('authorization_codes').column('expires_at').execute();
  await db.schema.alterTable('tokens').addColumn('rotated_at', t.int64).execute();
  await db.schema.alterTable('tokens').addColumn('family_expires_at', t.int64).execute();
}
