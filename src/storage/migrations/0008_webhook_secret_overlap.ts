import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * Rolling a webhook secret with an overlap: the secret replaced by the last roll, sealed like the current one,
 * and when it stops signing (Unix seconds). Both null when no overlap runs.
 */
export async function up(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema.alterTable('webhooks').addColumn('previous_secret_ciphertext', 'text').execute();
  await db.schema.alterTable('webhooks').addColumn('previous_secret_expires_at', t.int64).execute();
}
