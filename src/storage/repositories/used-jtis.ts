import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { UsedJtiRepository } from '../types.js';

/** Single-use JWT ids over Kysely: the primary key on (purpose, jti_key) decides which request may act. */
export class KyselyUsedJtiRepository implements UsedJtiRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async claimOnce(purpose: string, jtiKey: string, expiresAt: number): Promise<boolean> {
    // One conditional insert: concurrent claims of one id on any number of nodes have exactly one winner.
    const res = await this.db
      .insertInto('used_jtis')
      .values({ purpose, jti_key: jtiKey, expires_at: expiresAt })
      .onConflict((oc) => oc.columns(['purpose', 'jti_key']).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async purgeExpired(before: number, limit: number): Promise<number> {
    // Bounded batch, as the other purges. The outer test on expires_at keeps a live row of another purpose that
    // shares a key; a key expired under several purposes goes at once, so a batch is at most `limit` keys.
    const res = await this.db
      .deleteFrom('used_jtis')
      .where('jti_key', 'in', (eb) => eb.selectFrom('used_jtis').select('jti_key').where('expires_at', '<', before).limit(limit))
      .where('expires_at', '<', before)
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
