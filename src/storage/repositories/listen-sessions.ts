import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type {
  ListenAnswer,
  ListenDeliveryRecord,
  ListenSessionRepository,
  SubscriptionRecord,
  WebhookOwner,
  WebhookRecord,
} from '../types.js';
import { softDeleteWebhooks } from './webhooks.js';

/** Listen sessions and their mailboxes over Kysely; the same queries run on SQLite and PostgreSQL. */
export class KyselyListenSessionRepository implements ListenSessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(w: WebhookRecord, subscriptions: SubscriptionRecord[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('webhooks')
        .values({
          id: w.id,
          owner: w.owner,
          environment: w.environment,
          payload_url: w.payloadUrl,
          secret_ciphertext: w.secretCiphertext,
          previous_secret_ciphertext: null,
          previous_secret_expires_at: null,
          is_active: 1,
          created_at: w.createdAt,
          updated_at: w.updatedAt,
          deleted_at: null,
          lease_owner: null,
          lease_until: null,
          listen_expires_at: w.listenExpiresAt,
        })
        .execute();
      if (subscriptions.length === 0) return;
      await trx
        .insertInto('subscriptions')
        .values(
          subscriptions.map((s) => ({
            id: s.id,
            owner: s.owner,
            environment: s.environment,
            webhook_id: s.webhookId,
            event_id: s.eventId,
            filter: s.filter,
            created_at: s.createdAt,
            deleted_at: null,
          })),
        )
        .execute();
    });
  }

  async touch(o: WebhookOwner, id: string, now: number, expiresAt: number): Promise<boolean> {
    const res = await this.db
      .updateTable('webhooks')
      .set({ listen_expires_at: expiresAt })
      .where('id', '=', id)
      .where('owner', '=', o.owner)
      .where('environment', '=', o.environment)
      .where('deleted_at', 'is', null)
      .where('listen_expires_at', '>', now)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async put(d: ListenDeliveryRecord): Promise<void> {
    await this.db
      .insertInto('listen_deliveries')
      .values({
        id: d.id,
        webhook_id: d.webhookId,
        notification_id: d.notificationId,
        headers: JSON.stringify(d.headers),
        body: d.body,
        created_at: d.createdAt,
        taken_at: null,
        answered_at: null,
        response_code: null,
        error: null,
      })
      .execute();
  }

  async take(webhookId: string, now: number): Promise<ListenDeliveryRecord | undefined> {
    // A lost race (another node took the row first) looks at the next one; a few rounds are plenty.
    for (let round = 0; round < 5; round++) {
      const row = await this.db
        .selectFrom('listen_deliveries')
        .selectAll()
        .where('webhook_id', '=', webhookId)
        .where('taken_at', 'is', null)
        .orderBy('created_at')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      if (!row) return undefined;
      const res = await this.db.updateTable('listen_deliveries').set({ taken_at: now }).where('id', '=', row.id).where('taken_at', 'is', null).executeTakeFirst();
      if (Number(res.numUpdatedRows) === 1) {
        return {
          id: row.id,
          webhookId: row.webhook_id,
          notificationId: row.notification_id,
          headers: JSON.parse(row.headers) as Record<string, string>,
          body: row.body,
          createdAt: Number(row.created_at),
        };
      }
    }
    return undefined;
  }

  async answer(webhookId: string, deliveryId: string, now: number, a: ListenAnswer): Promise<boolean> {
    const res = await this.db
      .updateTable('listen_deliveries')
      .set({ answered_at: now, response_code: a.responseCode, error: a.error })
      .where('id', '=', deliveryId)
      .where('webhook_id', '=', webhookId)
      .where('taken_at', 'is not', null)
      .where('answered_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async answerOf(deliveryId: string): Promise<ListenAnswer | null | undefined> {
    const row = await this.db
      .selectFrom('listen_deliveries')
      .select(['answered_at', 'response_code', 'error'])
      .where('id', '=', deliveryId)
      .executeTakeFirst();
    if (!row) return undefined;
    if (row.answered_at === null) return null;
    return { responseCode: row.response_code === null ? null : Number(row.response_code), error: row.error };
  }

  async remove(deliveryId: string): Promise<void> {
    await this.db.deleteFrom('listen_deliveries').where('id', '=', deliveryId).execute();
  }

  async expire(now: number, limit: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const ids = (
        await trx
          .selectFrom('webhooks')
          .select('id')
          .where('listen_expires_at', 'is not', null)
          .where('listen_expires_at', '<=', now)
          .where('deleted_at', 'is', null)
          .limit(limit)
          .execute()
      ).map((r) => r.id);
      if (ids.length === 0) return 0;
      await trx.deleteFrom('listen_deliveries').where('webhook_id', 'in', ids).execute();
      return softDeleteWebhooks(trx, ids, now);
    });
  }

  async purgeDeliveries(before: number, limit: number): Promise<number> {
    const res = await this.db
      .deleteFrom('listen_deliveries')
      .where('id', 'in', (eb) => eb.selectFrom('listen_deliveries').select('id').where('created_at', '<', before).limit(limit))
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
