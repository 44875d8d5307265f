import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * Pausing a webhook: since when it is paused (Unix seconds), null when it is not. A paused webhook still
 * gets its events queued; the delivery worker leaves them pending until it is resumed.
 */
export async function up(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema.alterTable('webhooks').addColumn('paused_at', t.int64).execute();
}
