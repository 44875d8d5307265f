import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { ConsentRecord, ConsentRepository } from '../types.js';

/** Remembered consents over Kysely; the same queries run on SQLite and PostgreSQL. */
export class KyselyConsentRepository implements ConsentRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async find(merchantId: string, clientId: string): Promise<ConsentRecord | undefined> {
    const r = await this.db.selectFrom('consents').selectAll().where('merchant_id', '=', merchantId).where('client_id', '=', clientId).executeTakeFirst();
    return r && { merchantId: r.merchant_id, clientId: r.client_id, scope: r.scope, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) };
  }

  async upsert(c: ConsentRecord): Promise<void> {
    const existing = await this.find(c.merchantId, c.clientId);
    const scope = existing ? [...new Set([...existing.scope.split(' '), ...c.scope.split(' ')])].join(' ') : c.scope;
    await this.db
      .insertInto('consents')
      .values({ merchant_id: c.merchantId, client_id: c.clientId, scope, created_at: c.createdAt, updated_at: c.updatedAt })
      .onConflict((oc) => oc.columns(['merchant_id', 'client_id']).doUpdateSet({ scope, updated_at: c.updatedAt }))
      .execute();
  }

  async delete(merchantId: string, clientId: string): Promise<boolean> {
    const res = await this.db.deleteFrom('consents').where('merchant_id', '=', merchantId).where('client_id', '=', clientId).executeTakeFirst();
    return Number(res.numDeletedRows) > 0;
  }

  async listForMerchant(merchantId: string): Promise<ConsentRecord[]> {
    const rows = await this.db.selectFrom('consents').selectAll().where('merchant_id', '=', merchantId).orderBy('updated_at', 'desc').execute();
    return rows.map((r) => ({ merchantId: r.merchant_id, clientId: r.client_id, scope: r.scope, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) }));
  }
}
