import type { Kysely, Selectable } from 'kysely';
import type { AuditEventsTable, Database } from '../schema.js';
import type { AuditEvent, AuditRepository, Environment } from '../types.js';

/** The append-only audit trail of the Web Account. */
export class KyselyAuditRepository implements AuditRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async append(events: Array<Omit<AuditEvent, 'id'>>): Promise<void> {
    if (events.length === 0) return;
    await this.db
      .insertInto('audit_events')
      .values(
        events.map((e) => ({
          merchant_id: e.merchantId,
          client_id: e.clientId,
          environment: e.environment,
          action: e.action,
          actor: e.actor,
          ip: e.ip,
          detail: e.detail === null ? null : JSON.stringify(e.detail),
          count: e.count,
          at: e.at,
        })),
      )
      .execute();
  }

  async listForMerchant(merchantId: string | null, limit: number): Promise<AuditEvent[]> {
    let q = this.db.selectFrom('audit_events').selectAll();
    q = merchantId === null ? q.where('merchant_id', 'is', null) : q.where('merchant_id', '=', merchantId);
    const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toEvent);
  }

  async listForClient(clientId: string, limit: number): Promise<AuditEvent[]> {
    const rows = await this.db
      .selectFrom('audit_events')
      .selectAll()
      .where('client_id', '=', clientId)
      .orderBy('at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map(toEvent);
  }
}

function toEvent(r: Selectable<AuditEventsTable>): AuditEvent {
  return {
    id: Number(r.id),
    merchantId: r.merchant_id,
    clientId: r.client_id,
    environment: r.environment as Environment | null,
    action: r.action,
    actor: r.actor,
    ip: r.ip,
    detail: r.detail === null ? null : (JSON.parse(r.detail) as Record<string, unknown>),
    count: Number(r.count),
    at: Number(r.at),
  };
}
