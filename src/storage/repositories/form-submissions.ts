import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { FormSubmissionRepository } from '../types.js';

/** Once-only form submissions: the primary key on the nonce's digest decides which request acts. */
export class KyselyFormSubmissionRepository implements FormSubmissionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async claim(nonceHash: string, scopeHash: string, now: number): Promise<boolean> {
    const res = await this.db
      .insertInto('form_submissions')
      .values({ nonce_hash: nonceHash, scope_hash: scopeHash, outcome: null, created_at: now })
      .onConflict((oc) => oc.column('nonce_hash').doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async find(nonceHash: string): Promise<{ scopeHash: string; outcome: string | null } | undefined> {
    const row = await this.db.selectFrom('form_submissions').select(['scope_hash', 'outcome']).where('nonce_hash', '=', nonceHash).executeTakeFirst();
    return row && { scopeHash: row.scope_hash, outcome: row.outcome };
  }

  async complete(nonceHash: string, outcome: string): Promise<void> {
    await this.db.updateTable('form_submissions').set({ outcome }).where('nonce_hash', '=', nonceHash).execute();
  }

  async release(nonceHash: string): Promise<void> {
    await this.db.deleteFrom('form_submissions').where('nonce_hash', '=', nonceHash).where('outcome', 'is', null).execute();
  }

  async purgeBefore(before: number, limit: number): Promise<number> {
    const res = await this.db
      .deleteFrom('form_submissions')
      .where('nonce_hash', 'in', (eb) => eb.selectFrom('form_submissions').select('nonce_hash').where('created_at', '<', before).limit(limit))
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
