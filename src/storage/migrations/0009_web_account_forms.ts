import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * The Web Account's once-only forms and once-shown secrets, and what a merchant sees of each secret: its
 * last four characters (stored at creation; nothing more of it) and when it was last used.
 */
export async function up(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema.alterTable('clients').addColumn('secret_hint', 'text').execute();
  await db.schema.alterTable('clients').addColumn('secret_last_used_at', t.int64).execute();
  await db.schema.alterTable('clients').addColumn('previous_secret_hint', 'text').execute();
  await db.schema.alterTable('clients').addColumn('previous_secret_last_used_at', t.int64).execute();

  // One row per submitted form (its nonce): a resubmission of the same form gets the first one's outcome.
  await db.schema
    .createTable('form_submissions')
    .addColumn('nonce_hash', 'text', (c) => c.primaryKey())
    .addColumn('scope_hash', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text')
    .addColumn('created_at', t.int64, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('form_submissions_created').on('form_submissions').column('created_at').execute();

  // A new secret waiting to be shown once: sealed under a key that needs the session cookie to rebuild.
  await db.schema
    .createTable('secret_reveals')
    .addColumn('ref_hash', 'text', (c) => c.primaryKey())
    .addColumn('session_hash', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('sealed', 'text')
    .addColumn('created_at', t.int64, (c) => c.notNull())
    .addColumn('expires_at', t.int64, (c) => c.notNull())
    .addColumn('shown_at', t.int64)
    .execute();
  await db.schema.createIndex('secret_reveals_expiry').on('secret_reveals').column('expires_at').execute();
}
