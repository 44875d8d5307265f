import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/** Remembered consent of a merchant for a client (authorization_code), withdrawn from the Web Account. */
export async function up(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('consents')
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('created_at', t.int64, (c) => c.notNull())
    .addColumn('updated_at', t.int64, (c) => c.notNull())
    .addPrimaryKeyConstraint('consents_pk', ['merchant_id', 'client_id'])
    .execute();
  await db.schema.createIndex('tokens_subject').on('tokens').columns(['subject', 'client_id']).where('subject', 'is not', null).execute();
}
