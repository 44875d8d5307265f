import type { Kysely } from 'kysely';
import type { ColumnTypes } from './column-types.js';

/**
 * Every delivery attempt of a notification, automatic or a manual resend, so its log shows each one; and the
 * sandbox's listen sessions: a webhook whose target is a mailbox on the server (`listen_expires_at` set) rather
 * than a URL, and the mailbox itself, from which the CLI takes signed deliveries and to which it reports the
 * status its local target answered. Times are Unix seconds.
 */
export async function up(db: Kysely<any>, t: ColumnTypes): Promise<void> {
  // No foreign key to notifications: the purge deletes a notification's attempts with it.
  await db.schema
    .createTable('notification_attempts')
    .addColumn('id', t.serial, (c) => t.serialKey(c))
    .addColumn('notification_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('attempted_at', t.int64, (c) => c.notNull())
    .addColumn('ok', t.flag, (c) => c.notNull())
    .addColumn('response_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('url', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('notification_attempts_notification').on('notification_attempts').columns(['notification_id', 'attempted_at']).execute();

  // Null for a webhook with a URL; for a listen session, when it expires unless the CLI polls again.
  await db.schema.alterTable('webhooks').addColumn('listen_expires_at', t.int64).execute();

  await db.schema
    .createTable('listen_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('webhook_id', 'text', (c) => c.notNull())
    .addColumn('notification_id', 'text', (c) => c.notNull())
    .addColumn('headers', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('created_at', t.int64, (c) => c.notNull())
    .addColumn('taken_at', t.int64)
    .addColumn('answered_at', t.int64)
    .addColumn('response_code', 'integer')
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('listen_deliveries_webhook').on('listen_deliveries').columns(['webhook_id', 'created_at']).execute();
}
