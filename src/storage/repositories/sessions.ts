import type { Kysely, Selectable } from 'kysely';
import type { Database, SessionsTable } from '../schema.js';
import type { SessionRecord, SessionRepository } from '../types.js';

/** Web Account sessions, keyed by the hash of the session id, so any server process can serve any request. */
export class KyselySessionRepository implements SessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(s: SessionRecord): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        id_hash: s.idHash,
        merchant_id: s.merchantId,
        created_at: s.createdAt,
        authenticated_at: s.authenticatedAt,
        last_seen_at: s.lastSeenAt,
        expires_at: s.expiresAt,
        ip: s.ip,
        user_agent: s.userAgent,
        second_factor_pending: s.secondFactorPending ? 1 : 0,
      })
      .execute();
  }

  async find(idHash: string): Promise<SessionRecord | undefined> {
    const row = await this.db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return row && toSession(row);
  }

  async touch(idHash: string, now: number): Promise<void> {
    await this.db.updateTable('sessions').set({ last_seen_at: now }).where('id_hash', '=', idHash).execute();
  }

  async reauthenticated(idHash: string, now: number): Promise<void> {
    await this.db.updateTable('sessions').set({ authenticated_at: now, last_seen_at: now }).where('id_hash', '=', idHash).execute();
  }

  async completeSecondFactor(idHash: string, now: number, expiresAt: number): Promise<boolean> {
    const res = await this.db
      .updateTable('sessions')
      .set({ second_factor_pending: 0, authenticated_at: now, last_seen_at: now, expires_at: expiresAt })
      .where('id_hash', '=', idHash)
      .where('second_factor_pending', '=', 1)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async delete(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  async deleteForMerchant(merchantId: string, keepIdHash?: string): Promise<number> {
    let q = this.db.deleteFrom('sessions').where('merchant_id', '=', merchantId);
    if (keepIdHash !== undefined) q = q.where('id_hash', '!=', keepIdHash);
    const res = await q.executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async purgeExpired(now: number, limit: number): Promise<number> {
    const res = await this.db
      .deleteFrom('sessions')
      .where('id_hash', 'in', (eb) => eb.selectFrom('sessions').select('id_hash').where('expires_at', '<', now).limit(limit))
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

function toSession(r: Selectable<SessionsTable>): SessionRecord {
  return {
    idHash: r.id_hash,
    merchantId: r.merchant_id,
    createdAt: Number(r.created_at),
    authenticatedAt: Number(r.authenticated_at),
    lastSeenAt: Number(r.last_seen_at),
    expiresAt: Number(r.expires_at),
    ip: r.ip,
    userAgent: r.user_agent,
    secondFactorPending: Number(r.second_factor_pending) === 1,
  };
}
