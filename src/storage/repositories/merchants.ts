import type { Kysely, Selectable } from 'kysely';
import type { Database, MerchantsTable } from '../schema.js';
import type { MerchantRecord, MerchantRepository } from '../types.js';

/** Merchant accounts of the Web Account; the same queries run on SQLite and PostgreSQL. */
export class KyselyMerchantRepository implements MerchantRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(m: MerchantRecord): Promise<boolean> {
    const res = await this.db
      .insertInto('merchants')
      .values({
        id: m.id,
        email: m.email,
        password_hash: m.passwordHash,
        created_at: m.createdAt,
        password_changed_at: m.passwordChangedAt,
      })
      .onConflict((oc) => oc.column('email').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async find(id: string): Promise<MerchantRecord | undefined> {
    const row = await this.db.selectFrom('merchants').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toMerchant(row);
  }

  async findByEmail(email: string): Promise<MerchantRecord | undefined> {
    const row = await this.db.selectFrom('merchants').selectAll().where('email', '=', email).executeTakeFirst();
    return row && toMerchant(row);
  }

  async setPassword(id: string, passwordHash: string, now: number): Promise<void> {
    await this.db
      .updateTable('merchants')
      .set({ password_hash: passwordHash, password_changed_at: now })
      .where('id', '=', id)
      .execute();
  }
}

function toMerchant(r: Selectable<MerchantsTable>): MerchantRecord {
  return {
    id: r.id,
    email: r.email,
    passwordHash: r.password_hash,
    createdAt: Number(r.created_at),
    passwordChangedAt: Number(r.password_changed_at),
  };
}
