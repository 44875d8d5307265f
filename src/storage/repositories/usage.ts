import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { ClientActivity, Environment, UsageIncrement, UsageRepository } from '../types.js';

/**
 * Per-client hourly usage counters. Expired tokens are purged, so usage history cannot be counted from the
 * tokens table; these counters outlive them.
 */
export class KyselyUsageRepository implements UsageRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async add(increments: UsageIncrement[]): Promise<void> {
    if (increments.length === 0) return;
    // One statement per flush: an additive upsert, so several server processes can share a row.
    await this.db
      .insertInto('usage_counters')
      .values(increments.map((i) => ({ client_id: i.clientId, hour: i.hour, issued: i.issued, failed: i.failed })))
      .onConflict((oc) =>
        oc.columns(['client_id', 'hour']).doUpdateSet((eb) => ({
          issued: eb('usage_counters.issued', '+', eb.ref('excluded.issued')),
          failed: eb('usage_counters.failed', '+', eb.ref('excluded.failed')),
        })),
      )
      .execute();
  }

  async hourly(clientId: string, sinceHour: number): Promise<UsageIncrement[]> {
    const rows = await this.db
      .selectFrom('usage_counters')
      .selectAll()
      .where('client_id', '=', clientId)
      .where('hour', '>=', sinceHour)
      .orderBy('hour')
      .execute();
    return rows.map((r) => ({ clientId: r.client_id, hour: Number(r.hour), issued: Number(r.issued), failed: Number(r.failed) }));
  }

  async activity(clientIds: string[], now: number): Promise<Map<string, ClientActivity>> {
    const out = new Map<string, ClientActivity>();
    if (clientIds.length === 0) return out;
    for (const id of clientIds) out.set(id, { lastUsedAt: null, activeTokens: 0 });
    const tokens = await this.db
      .selectFrom('tokens')
      .select((eb) => [
        'client_id',
        eb.fn.max('issued_at').as('last'),
        eb.fn
          .sum<number | string>(eb.case().when(eb.and([eb('revoked_at', 'is', null), eb('expires_at', '>', now)])).then(1).else(0).end())
          .as('active'),
      ])
      .where('client_id', 'in', clientIds)
      .groupBy('client_id')
      .execute();
    for (const r of tokens) {
      out.set(r.client_id, { lastUsedAt: r.last === null ? null : Number(r.last), activeTokens: Number(r.active ?? 0) });
    }
    // Once a client's tokens are purged, the newest hour with issued tokens still tells roughly when it was used.
    const missing = clientIds.filter((id) => out.get(id)!.lastUsedAt === null);
    if (missing.length > 0) {
      const hours = await this.db
        .selectFrom('usage_counters')
        .select((eb) => ['client_id', eb.fn.max('hour').as('last')])
        .where('client_id', 'in', missing)
        .where('issued', '>', 0)
        .groupBy('client_id')
        .execute();
      for (const r of hours) out.get(r.client_id)!.lastUsedAt = r.last === null ? null : Number(r.last);
    }
    return out;
  }

  async purgeBefore(beforeHour: number, limit: number): Promise<number> {
    const res = await this.db
      .deleteFrom('usage_counters')
      // Bounded: whole hours at a time, at most `limit` distinct hours per statement.
      .where('hour', 'in', (eb) => eb.selectFrom('usage_counters').select('hour').distinct().where('hour', '<', beforeHour).orderBy('hour').limit(limit))
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async owners(clientIds: string[]): Promise<Map<string, { merchantId: string | null; environment: Environment }>> {
    const out = new Map<string, { merchantId: string | null; environment: Environment }>();
    if (clientIds.length === 0) return out;
    const rows = await this.db
      .selectFrom('clients')
      .select(['id', 'merchant_id', 'environment'])
      .where('id', 'in', clientIds)
      .where('deleted_at', 'is', null)
      .execute();
    for (const r of rows) out.set(r.id, { merchantId: r.merchant_id, environment: r.environment as Environment });
    return out;
  }
}
