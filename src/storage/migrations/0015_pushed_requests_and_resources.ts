import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * Pushed authorization requests (RFC 9126) and resource indicators (RFC 8707): the pushed requests, each used
 * once (consumed_at set by one conditional update); the per-client "PAR only" flag; the resources an
 * authorization code was granted for; and the audience a token is restricted to (null: unrestricted).
 */
export async function up(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('pushed_authorization_requests')
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('created_at', t.int64, (c) => c.notNull())
    .addColumn('expires_at', t.int64, (c) => c.notNull())
    .addColumn('consumed_at', t.int64)
    .execute();
  await db.schema.createIndex('pushed_authorization_requests_expiry').on('pushed_authorization_requests').column('expires_at').execute();
  await db.schema
    .alterTable('clients')
    .addColumn('require_pushed_authorization_requests', t.flag, (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('authorization_codes').addColumn('resources', 'text').execute();
  await db.schema.alterTable('tokens').addColumn('audience', 'text').execute();
}
