import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * Single-use JWT ids (RFC 9449 §11.1 DPoP proofs; RFC 7523 §3 client assertions): one row per id seen, kept
 * until the proof or assertion it came in could no longer be accepted anyway. The primary key decides a race
 * between nodes: of two inserts of one id, one wins.
 */
export async function up(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('used_jtis')
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('jti_key', 'text', (c) => c.notNull())
    .addColumn('expires_at', t.int64, (c) => c.notNull())
    .addPrimaryKeyConstraint('used_jtis_pk', ['purpose', 'jti_key'])
    .execute();
  await db.schema.createIndex('used_jtis_expiry').on('used_jtis').column('expires_at').execute();
}
