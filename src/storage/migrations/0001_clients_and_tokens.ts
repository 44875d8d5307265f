import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/** Clients and tokens: times are Unix seconds, booleans 0/1. */
export async function up(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('clients')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text')
    .addColumn('previous_secret_hash', 'text')
    .addColumn('previous_secret_expires_at', t.int64)
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('grant_types', 'text', (c) => c.notNull())
    .addColumn('redirect_uris', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('is_resource_server', t.flag, (c) => c.notNull().defaultTo(0))
    .addColumn('merchant_id', 'text')
    .addColumn('created_at', t.int64, (c) => c.notNull())
    .addColumn('deleted_at', t.int64)
    .execute();
  await db.schema.createIndex('clients_merchant').on('clients').columns(['merchant_id', 'environment']).execute();

  await db.schema
    .createTable('tokens')
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('issued_at', t.int64, (c) => c.notNull())
    .addColumn('expires_at', t.int64, (c) => c.notNull())
    .addColumn('revoked_at', t.int64)
    .addColumn('grant_id', 'text')
    .addColumn('subject', 'text')
    .execute();
  await db.schema.createIndex('tokens_client').on('tokens').columns(['client_id', 'issued_at']).execute();
  await db.schema.createIndex('tokens_grant').on('tokens').column('grant_id').where('grant_id', 'is not', null).execute();
  await db.schema.createIndex('tokens_expiry').on('tokens').column('expires_at').execute();
    }
