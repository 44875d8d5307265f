import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * Webhook API: webhooks, subscriptions, and the notifications outbox the delivery worker drains.
 * Times are Unix seconds, booleans 0/1. A webhook's lease columns say which process is delivering to it.
 */
export async function up(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  await db.schema
    .createTable('webhooks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('payload_url', 'text', (c) => c.notNull())
    .addColumn('secret_ciphertext', 'text', (c) => c.notNull())
    .addColumn('is_active', t.flag, (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', t.int64, (c) => c.notNull())
    .addColumn('updated_at', t.int64, (c) => c.notNull())
    .addColumn('deleted_at', t.int64)
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', t.int64)
    .execute();
  await db.schema.createIndex('webhooks_owner').on('webhooks').columns(['owner', 'environment', 'created_at']).execute();

  await db.schema
    .createTable('subscriptions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id'))
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('filter', 'text')
    .addColumn('created_at', t.int64, (c) => c.notNull())
    .addColumn('deleted_at', t.int64)
    .execute();
  await db.schema.createIndex('subscriptions_owner').on('subscriptions').columns(['owner', 'environment', 'created_at']).execute();
  await db.schema.createIndex('subscriptions_webhook').on('subscriptions').column('webhook_id').execute();

  await db.schema
    .createTable('notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('environment', 'text', (c) => c.notNull())
    .addColumn('webhook_id', 'text', (c) => c.notNull().references('webhooks.id'))
    .addColumn('subscription_id', 'text')
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', t.int64, (c) => c.notNull())
    .addColumn('next_attempt_at', t.int64, (c) => c.notNull())
    .addColumn('give_up_at', t.int64, (c) => c.notNull())
    .addColumn('sent_at', t.int64)
    .addColumn('response_code', 'integer')
    .addColumn('last_error', 'text')
    .execute();
  await db.schema.createIndex('notifications_due').on('notifications').columns(['status', 'next_attempt_at']).execute();
  await db.schema.createIndex('notifications_webhook').on('notifications').columns(['webhook_id', 'status', 'next_attempt_at']).execute();
  await db.schema.createIndex('notifications_owner').on('notifications').columns(['owner', 'environment', 'created_at']).execute();
}
