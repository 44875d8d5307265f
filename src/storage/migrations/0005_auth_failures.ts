import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/** Shared brute-force counters (one fixed one-minute window per key). */
export async function up(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('auth_failures')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('window_start', t.int64, (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('auth_failures_window').on('auth_failures').column('window_start').execute();
}
