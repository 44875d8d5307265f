import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/** The Web Account: merchants, their sessions, the audit trail and hourly usage counters. Times are Unix seconds. */
export async function up(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('merchants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', t.int64, (c) => c.notNull())
    .addColumn('password_changed_at', t.int64, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('merchant_id', 'text', (c) => c.notNull())
    .addColumn('created_at', t.int64, (c) => c.notNull())
    .addColumn('authenticated_at', t.int64, (c) => c.notNull())
    .addColumn('last_seen_at', t.int64, (c) => c.notNull())
    .addColumn('expires_at', t.int64, (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('sessions_merchant').on('sessions').column('merchant_id').execute();
  await db.schema.createIndex('sessions_expiry').on('sessions').column('expires_at').execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', t.serial, t.serialKey)
    .addColumn('merchant_id', 'text')
    .addColumn('client_id', 'text')
    .addColumn('environment', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('ip', 'text')
    .addColumn('detail', 'text')
    .addColumn('count', t.int64, (c) => c.notNull().defaultTo(1))
    .addColumn('at', t.int64, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_merchant').on('audit_events').columns(['merchant_id', 'at']).execute();
  await db.schema.createIndex('audit_client').on('audit_events').columns(['client_id', 'at']).execute();

  await db.schema
    .createTable('usage_counters')
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('hour', t.int64, (c) => c.notNull())
    .addColumn('issued', t.int64, (c) => c.notNull().defaultTo(0))
    .addColumn('failed', t.int64, (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('usage_counters_pk', ['client_id', 'hour'])
    .execute();
}
