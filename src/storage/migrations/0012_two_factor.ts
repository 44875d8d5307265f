import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * Two-factor sign-in for the Web Account (TOTP, RFC 6238): the merchant's authenticator secret, sealed
 * under a key derived from the server key; single-use recovery codes, stored as keyed hashes; and the
 * sessions that have passed the password but not yet the second step.
 */
export async function up(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('two_factor')
    .addColumn('merchant_id', 'text', (c) => c.primaryKey())
    .addColumn('secret_sealed', 'text', (c) => c.notNull())
    .addColumn('created_at', t.int64, (c) => c.notNull())
    // Null while the merchant has not yet entered a first valid code (enrolment not finished).
    .addColumn('enabled_at', t.int64)
    // The session that started the enrolment: only it may see the secret and finish it.
    .addColumn('setup_session_hash', 'text')
    // The last accepted time step (RFC 6238 §5.2: a code is accepted once).
    .addColumn('last_step', t.int64)
    .execute();

  await db.schema
    .createTable('recovery_codes')
    .addColumn('code_hash', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('created_at', t.int64, (c) => c.notNull())
    .addColumn('used_at', t.int64)
    .execute();
  await db.schema.createIndex('recovery_codes_merchant').on('recovery_codes').column('merchant_id').execute();

  await db.schema.alterTable('sessions').addColumn('second_factor_pending', t.flag, (c) => c.notNull().defaultTo(0)).execute();
}
