import type { Kysely, Selectable, Transaction } from 'kysely';
import { CompiledQueries } from '../compiled-queries.js';
import type { Database, NotificationsTable, SubscriptionsTable, WebhooksTable } from '../schema.js';
import type {
  AttemptRecord,
  AttemptResult,
  Environment,
  NotificationRecord,
  NotificationStatus,
  PageOf,
  PageRequest,
  SubscriptionRecord,
  WebhookOwner,
  WebhookRecord,
  WebhookRepository,
} from '../types.js';

/** Webhooks, subscriptions and the notification outbox over Kysely; the same queries run on SQLite and PostgreSQL. */
export class KyselyWebhookRepository implements WebhookRepository {
  /** The Webhook API's list pages, the requests a merchant's integration repeats most (compiled-queries.ts). */
  readonly #lists: CompiledQueries;

  constructor(private readonly db: Kysely<Database>) {
    this.#lists = new CompiledQueries(db);
  }

  async createWebhook(w: WebhookRecord): Promise<void> {
    await this.db
      .insertInto('webhooks')
      .values({
        id: w.id,
        owner: w.owner,
        environment: w.environment,
        payload_url: w.payloadUrl,
        secret_ciphertext: w.secretCiphertext,
        previous_secret_ciphertext: w.previousSecretCiphertext,
        previous_secret_expires_at: w.previousSecretExpiresAt,
        is_active: w.isActive ? 1 : 0,
        created_at: w.createdAt,
        updated_at: w.updatedAt,
        deleted_at: w.deletedAt,
        lease_owner: null,
        lease_until: null,
        listen_expires_at: w.listenExpiresAt,
        paused_at: w.pausedAt,
      })
      .execute();
  }

  async findWebhook(o: WebhookOwner, id: string): Promise<WebhookRecord | undefined> {
    const row = await this.db
      .selectFrom('webhooks')
      .selectAll()
      .where('id', '=', id)
      .where('owner', '=', o.owner)
      .where('environment', '=', o.environment)
      .executeTakeFirst();
    return row && toWebhook(row);
  }

  async listWebhooks(o: WebhookOwner, page: PageRequest): Promise<PageOf<WebhookRecord>> {
    const base = (owner: string, environment: string) =>
      this.db.selectFrom('webhooks').where('owner', '=', owner).where('environment', '=', environment).where('deleted_at', 'is', null);
    const rows = await this.#lists.rows(`webhooks ${page.offset} ${page.limit}`, [o.owner, o.environment], ([owner, env]) =>
      base(owner!, env!).selectAll().orderBy('created_at').orderBy('id').offset(page.offset).limit(page.limit),
    );
    const total = await totalOf(rows, page, () =>
      base(o.owner, o.environment).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    );
    return { items: rows.map(toWebhook), total };
  }

  async updateWebhook(
    o: WebhookOwner,
    id: string,
    changes: { payloadUrl?: string; secretCiphertext?: string; previousSecretExpiresAt?: number; isActive?: boolean },
    now: number,
  ): Promise<boolean> {
    const set: Partial<WebhooksTable> = { updated_at: now };
    if (changes.payloadUrl !== undefined) set.payload_url = changes.payloadUrl;
    if (changes.isActive !== undefined) set.is_active = changes.isActive ? 1 : 0;
    const overlap = changes.previousSecretExpiresAt !== undefined && changes.previousSecretExpiresAt > now;
    if (changes.secretCiphertext !== undefined) {
      set.secret_ciphertext = changes.secretCiphertext;
      if (!overlap) Object.assign(set, { previous_secret_ciphertext: null, previous_secret_expires_at: null });
    }
    const res = await this.db
      .updateTable('webhooks')
      .set(set)
      // One statement: the right-hand side reads the row as it was, so the secret being replaced is the one kept.
      .$if(changes.secretCiphertext !== undefined && overlap, (q) =>
        q.set((eb) => ({ previous_secret_ciphertext: eb.ref('secret_ciphertext'), previous_secret_expires_at: changes.previousSecretExpiresAt! })),
      )
      .where('id', '=', id)
      .where('owner', '=', o.owner)
      .where('environment', '=', o.environment)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async pauseWebhook(o: WebhookOwner, id: string, now: number): Promise<boolean> {
    const res = await this.db
      .updateTable('webhooks')
      .set({ paused_at: now, updated_at: now })
      .where('id', '=', id)
      .where('owner', '=', o.owner)
      .where('environment', '=', o.environment)
      .where('deleted_at', 'is', null)
      .where('paused_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async resumeWebhook(o: WebhookOwner, id: string, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('webhooks')
        .select('paused_at')
        .where('id', '=', id)
        .where('owner', '=', o.owner)
        .where('environment', '=', o.environment)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (!row || row.paused_at === null) return false;
      const pausedAt = Number(row.paused_at);
      // Conditional on the pause read above: of two racing resumes one extends the give-up times.
      const res = await trx
        .updateTable('webhooks')
        .set({ paused_at: null, updated_at: now })
        .where('id', '=', id)
        .where('paused_at', '=', pausedAt)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      const held = Math.max(0, now - pausedAt);
      await trx
        .updateTable('notifications')
        .set((eb) => ({ give_up_at: eb('give_up_at', '+', held) }))
        .where('webhook_id', '=', id)
        .where('status', '=', 'pending')
        .execute();
      return true;
    });
  }

  async deleteWebhook(o: WebhookOwner, id: string, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const live = await trx
        .selectFrom('webhooks')
        .select('id')
        .where('id', '=', id)
        .where('owner', '=', o.owner)
        .where('environment', '=', o.environment)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return live !== undefined && (await softDeleteWebhooks(trx, [id], now)) === 1;
    });
  }

  async createSubscription(s: SubscriptionRecord): Promise<void> {
    await this.db
      .insertInto('subscriptions')
      .values({
        id: s.id,
        owner: s.owner,
        environment: s.environment,
        webhook_id: s.webhookId,
        event_id: s.eventId,
        filter: s.filter,
        created_at: s.createdAt,
        deleted_at: s.deletedAt,
      })
      .execute();
  }

  #subscriptionsWithHooks(o: WebhookOwner) {
    return this.db
      .selectFrom('subscriptions as s')
      .innerJoin('webhooks as w', 'w.id', 's.webhook_id')
      .where('s.owner', '=', o.owner)
      .where('s.environment', '=', o.environment)
      .where('s.deleted_at', 'is', null);
  }

  async findSubscription(o: WebhookOwner, id: string) {
    const row = await this.#subscriptionsWithHooks(o).selectAll('s').select(WEBHOOK_COLUMNS).where('s.id', '=', id).executeTakeFirst();
    return row && splitJoined(row);
  }

  async listSubscriptions(o: WebhookOwner, page: PageRequest, filter: { webhookId?: string } = {}) {
    const values = filter.webhookId === undefined ? [o.owner, o.environment] : [o.owner, o.environment, filter.webhookId];
    const shape = `subscriptions ${page.offset} ${page.limit}${filter.webhookId === undefined ? '' : ' of-webhook'}`;
    const base = (owner: string, env: string, webhookId: string | undefined) =>
      this.#subscriptionsWithHooks({ owner, environment: env as Environment }).$if(webhookId !== undefined, (q) => q.where('s.webhook_id', '=', webhookId!));
    const rows = await this.#lists.rows(shape, values, ([owner, env, webhookId]) =>
      base(owner!, env!, webhookId)
        .selectAll('s')
        .select(WEBHOOK_COLUMNS)
        .orderBy('s.created_at')
        .orderBy('s.id')
        .offset(page.offset)
        .limit(page.limit),
    );
    const total = await totalOf(rows, page, () =>
      base(o.owner, o.environment, filter.webhookId)
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow(),
    );
    return { items: rows.map(splitJoined), total };
  }

  async updateSubscription(o: WebhookOwner, id: string, changes: { webhookId: string; eventId: string; filter: string | null }): Promise<boolean> {
    const res = await this.db
      .updateTable('subscriptions')
      .set({ webhook_id: changes.webhookId, event_id: changes.eventId, filter: changes.filter })
      .where('id', '=', id)
      .where('owner', '=', o.owner)
      .where('environment', '=', o.environment)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async deleteSubscription(o: WebhookOwner, id: string, now: number): Promise<boolean> {
    const res = await this.db
      .updateTable('subscriptions')
      .set({ deleted_at: now })
      .where('id', '=', id)
      .where('owner', '=', o.owner)
      .where('environment', '=', o.environment)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async subscribersOf(o: WebhookOwner, eventId: string) {
    const rows = await this.#subscriptionsWithHooks(o)
      .selectAll('s')
      .select(WEBHOOK_COLUMNS)
      .where('s.event_id', '=', eventId)
      .where('w.deleted_at', 'is', null)
      .where('w.is_active', '=', 1)
      .orderBy('s.created_at')
      .execute();
    return rows.map(splitJoined);
  }

  async enqueue(notifications: NotificationRecord[]): Promise<void> {
    if (notifications.length === 0) return;
    await this.db
      .insertInto('notifications')
      .values(
        notifications.map((n) => ({
          id: n.id,
          owner: n.owner,
          environment: n.environment,
          webhook_id: n.webhookId,
          subscription_id: n.subscriptionId,
          event: n.event,
          payload: n.payload,
          url: n.url,
          status: n.status,
          attempts: n.attempts,
          created_at: n.createdAt,
          next_attempt_at: n.nextAttemptAt,
          give_up_at: n.giveUpAt,
          sent_at: n.sentAt,
          response_code: n.responseCode,
          last_error: n.lastError,
        })),
      )
      .execute();
  }

  async listNotifications(o: WebhookOwner, page: PageRequest, filter: { webhookId?: string } = {}): Promise<PageOf<NotificationRecord>> {
    const values = filter.webhookId === undefined ? [o.owner, o.environment] : [o.owner, o.environment, filter.webhookId];
    const shape = `notifications ${page.offset} ${page.limit}${filter.webhookId === undefined ? '' : ' of-webhook'}`;
    const base = (owner: string, environment: string, webhookId: string | undefined) =>
      this.db
        .selectFrom('notifications')
        .where('owner', '=', owner)
        .where('environment', '=', environment)
        .$if(webhookId !== undefined, (q) => q.where('webhook_id', '=', webhookId!));
    const rows = await this.#lists.rows(shape, values, ([owner, env, webhookId]) =>
      base(owner!, env!, webhookId).selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').offset(page.offset).limit(page.limit),
    );
    const total = await totalOf(rows, page, () =>
      base(o.owner, o.environment, filter.webhookId).select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirstOrThrow(),
    );
    return { items: rows.map(toNotification), total };
  }

  async findNotification(o: WebhookOwner, id: string): Promise<NotificationRecord | undefined> {
    const row = await this.db
      .selectFrom('notifications')
      .selectAll()
      .where('id', '=', id)
      .where('owner', '=', o.owner)
      .where('environment', '=', o.environment)
      .executeTakeFirst();
    return row && toNotification(row);
  }

  async listAttempts(notificationId: string): Promise<AttemptRecord[]> {
    const rows = await this.db
      .selectFrom('notification_attempts')
      .selectAll()
      .where('notification_id', '=', notificationId)
      .orderBy('attempted_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      kind: r.kind as AttemptRecord['kind'],
      attemptedAt: Number(r.attempted_at),
      ok: Number(r.ok) === 1,
      responseCode: r.response_code === null ? null : Number(r.response_code),
      error: r.error,
      url: r.url,
    }));
  }

  async recordResend(notificationId: string, a: AttemptRecord): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await insertAttempt(trx, notificationId, a);
      if (!a.ok) return;
      await trx
        .updateTable('notifications')
        .set({ status: 'delivered', sent_at: a.attemptedAt, response_code: a.responseCode, last_error: null, url: a.url })
        .where('id', '=', notificationId)
        .where('status', 'in', ['pending', 'failed'])
        .execute();
    });
  }

  async purgeNotifications(before: number, limit: number): Promise<number> {
    // Bounded batch, as for tokens: at most `limit` rows, their attempts with them.
    return this.db.transaction().execute(async (trx) => {
      const ids = (
        await trx.selectFrom('notifications').select('id').where('status', '!=', 'pending').where('created_at', '<', before).limit(limit).execute()
      ).map((r) => r.id);
      if (ids.length === 0) return 0;
      await trx.deleteFrom('notification_attempts').where('notification_id', 'in', ids).execute();
      const res = await trx.deleteFrom('notifications').where('id', 'in', ids).executeTakeFirst();
      return Number(res.numDeletedRows);
    });
  }

  async dueWebhooks(now: number, limit: number, exclude: readonly string[]): Promise<string[]> {
    let q = this.db
      .selectFrom('notifications as n')
      .innerJoin('webhooks as w', 'w.id', 'n.webhook_id')
      .select('n.webhook_id')
      .select((eb) => eb.fn.min('n.next_attempt_at').as('due'))
      .where('n.status', '=', 'pending')
      .where('n.next_attempt_at', '<=', now)
      .where('w.deleted_at', 'is', null)
      .where('w.is_active', '=', 1)
      .where((eb) => eb.or([eb('w.listen_expires_at', 'is', null), eb('w.listen_expires_at', '>', now)]))
      .where('w.paused_at', 'is', null)
      .where((eb) => eb.or([eb('w.lease_until', 'is', null), eb('w.lease_until', '<=', now)]));
    if (exclude.length > 0) q = q.where('n.webhook_id', 'not in', [...exclude]);
    const rows = await q.groupBy('n.webhook_id').orderBy('due').limit(limit).execute();
    return rows.map((r) => r.webhook_id);
  }

  async claimWebhook(webhookId: string, leaseOwner: string, now: number, leaseUntil: number): Promise<boolean> {
    // One conditional UPDATE: on PostgreSQL a racing second updater re-checks the WHERE after the first
    // commits and matches nothing; on SQLite writes are serialized. Either way one process wins.
    const res = await this.db
      .updateTable('webhooks')
      .set({ lease_owner: leaseOwner, lease_until: leaseUntil })
      .where('id', '=', webhookId)
      // A webhook paused since it was found due is not claimed: its deliveries keep waiting.
      .where('paused_at', 'is', null)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async nextDue(webhookId: string, now: number) {
    const row = await this.db
      .selectFrom('notifications as n')
      .innerJoin('webhooks as w', 'w.id', 'n.webhook_id')
      .selectAll('n')
      .select(WEBHOOK_COLUMNS)
      .where('n.webhook_id', '=', webhookId)
      .where('n.status', '=', 'pending')
      .where('n.next_attempt_at', '<=', now)
      .orderBy('n.next_attempt_at')
      .orderBy('n.created_at')
      .limit(1)
      .executeTakeFirst();
    return row && { notification: toNotification(row), webhook: webhookOf(row) };
  }

  async finishAttempt(notificationId: string, webhookId: string, leaseOwner: string, r: AttemptResult): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('notifications')
        .set((eb) => ({
          attempts: eb('attempts', '+', 1),
          status: r.status,
          sent_at: r.sentAt,
          response_code: r.responseCode,
          last_error: r.lastError,
          next_attempt_at: r.nextAttemptAt,
          url: r.url,
        }))
        .where('id', '=', notificationId)
        // A webhook deleted meanwhile cancelled this row; the attempt does not revive it.
        .where('status', '=', 'pending')
        .execute();
      await insertAttempt(trx, notificationId, {
        kind: 'automatic',
        attemptedAt: r.sentAt,
        ok: r.status === 'delivered',
        responseCode: r.responseCode,
        error: r.lastError,
        url: r.url,
      });
      await trx
        .updateTable('webhooks')
        .set({ lease_owner: null, lease_until: null })
        .where('id', '=', webhookId)
        .where('lease_owner', '=', leaseOwner)
        .execute();
    });
  }

  async releaseWebhook(webhookId: string, leaseOwner: string): Promise<void> {
    await this.db
      .updateTable('webhooks')
      .set({ lease_owner: null, lease_until: null })
      .where('id', '=', webhookId)
      .where('lease_owner', '=', leaseOwner)
      .execute();
  }
}

/**
 * Soft-deletes live webhooks, their subscriptions, and cancels their pending notifications (what DELETE
 * /v1/webhooks/{id} does, and what ends a listen session); returns how many webhooks it deleted.
 */
export async function softDeleteWebhooks(trx: Transaction<Database>, ids: readonly string[], now: number): Promise<number> {
  if (ids.length === 0) return 0;
  const res = await trx
    .updateTable('webhooks')
    .set({ deleted_at: now, is_active: 0, updated_at: now })
    .where('id', 'in', ids)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  await trx.updateTable('subscriptions').set({ deleted_at: now }).where('webhook_id', 'in', ids).where('deleted_at', 'is', null).execute();
  await trx.updateTable('notifications').set({ status: 'cancelled' }).where('webhook_id', 'in', ids).where('status', '=', 'pending').execute();
  return Number(res.numUpdatedRows);
}

async function insertAttempt(trx: Transaction<Database>, notificationId: string, a: AttemptRecord): Promise<void> {
  await trx
    .insertInto('notification_attempts')
    .values({
      notification_id: notificationId,
      kind: a.kind,
      attempted_at: a.attemptedAt,
      ok: a.ok ? 1 : 0,
      response_code: a.responseCode,
      error: a.error,
      url: a.url,
    })
    .execute();
}

/**
 * The list's total. A page that is not full ends the list, so when it holds rows or starts at the top the
 * total is offset + rows and needs no second statement (most merchants have fewer webhooks than a page,
 * and the count was half of every list call's storage time). Only a full page, or an empty one past the
 * end, asks for the count.
 */
async function totalOf(rows: readonly unknown[], page: PageRequest, count: () => Promise<{ n: number | string }>): Promise<number> {
  if (rows.length < page.limit && (rows.length > 0 || page.offset === 0)) return page.offset + rows.length;
  return Number((await count()).n);
}

// The webhook half of a join, aliased so it does not collide with the subscription's or notification's columns.
const WEBHOOK_COLUMNS = [
  'w.id as w_id',
  'w.owner as w_owner',
  'w.environment as w_environment',
  'w.payload_url as w_payload_url',
  'w.secret_ciphertext as w_secret_ciphertext',
  'w.previous_secret_ciphertext as w_previous_secret_ciphertext',
  'w.previous_secret_expires_at as w_previous_secret_expires_at',
  'w.is_active as w_is_active',
  'w.created_at as w_created_at',
  'w.updated_at as w_updated_at',
  'w.deleted_at as w_deleted_at',
  'w.listen_expires_at as w_listen_expires_at',
  'w.paused_at as w_paused_at',
] as const;

type JoinedWebhook = {
  w_id: string;
  w_owner: string;
  w_environment: string;
  w_payload_url: string;
  w_secret_ciphertext: string;
  w_previous_secret_ciphertext: string | null;
  w_previous_secret_expires_at: number | null;
  w_is_active: number;
  w_created_at: number;
  w_updated_at: number;
  w_deleted_at: number | null;
  w_listen_expires_at: number | null;
  w_paused_at: number | null;
};

function splitJoined(row: Selectable<SubscriptionsTable> & JoinedWebhook): { subscription: SubscriptionRecord; webhook: WebhookRecord } {
  return {
    subscription: {
      id: row.id,
      owner: row.owner,
      environment: row.environment as Environment,
      webhookId: row.webhook_id,
      eventId: row.event_id,
      filter: row.filter,
      createdAt: Number(row.created_at),
      deletedAt: row.deleted_at === null ? null : Number(row.deleted_at),
    },
    webhook: webhookOf(row),
  };
}

function webhookOf(row: JoinedWebhook): WebhookRecord {
  return toWebhook({
      id: row.w_id,
      owner: row.w_owner,
      environment: row.w_environment,
      payload_url: row.w_payload_url,
      secret_ciphertext: row.w_secret_ciphertext,
      previous_secret_ciphertext: row.w_previous_secret_ciphertext,
      previous_secret_expires_at: row.w_previous_secret_expires_at,
      is_active: row.w_is_active,
      created_at: row.w_created_at,
      updated_at: row.w_updated_at,
      deleted_at: row.w_deleted_at,
      lease_owner: null,
      lease_until: null,
      listen_expires_at: row.w_listen_expires_at,
      paused_at: row.w_paused_at,
    });
}

function toWebhook(r: Selectable<WebhooksTable>): WebhookRecord {
  return {
    id: r.id,
    owner: r.owner,
    environment: r.environment as Environment,
    payloadUrl: r.payload_url,
    secretCiphertext: r.secret_ciphertext,
    previousSecretCiphertext: r.previous_secret_ciphertext,
    previousSecretExpiresAt: r.previous_secret_expires_at === null ? null : Number(r.previous_secret_expires_at),
    isActive: Number(r.is_active) === 1,
    pausedAt: r.paused_at === null ? null : Number(r.paused_at),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    deletedAt: r.deleted_at === null ? null : Number(r.deleted_at),
    listenExpiresAt: r.listen_expires_at === null ? null : Number(r.listen_expires_at),
  };
}

function toNotification(r: Selectable<NotificationsTable>): NotificationRecord {
  return {
    id: r.id,
    owner: r.owner,
    environment: r.environment as Environment,
    webhookId: r.webhook_id,
    subscriptionId: r.subscription_id,
    event: r.event,
    payload: r.payload,
    url: r.url,
    status: r.status as NotificationStatus,
    attempts: Number(r.attempts),
    createdAt: Number(r.created_at),
    nextAttemptAt: Number(r.next_attempt_at),
    giveUpAt: Number(r.give_up_at),
    sentAt: r.sent_at === null ? null : Number(r.sent_at),
    responseCode: r.response_code === null ? null : Number(r.response_code),
    lastError: r.last_error,
  };
}
