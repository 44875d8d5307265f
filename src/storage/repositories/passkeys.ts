import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../schema.js';
import type { PasskeyChallengePurpose, PasskeyRecord, PasskeyRepository } from '../types.js';

/** Passkeys and their challenges: a use and a challenge's take are each one conditional statement. */
export class KyselyPasskeyRepository implements PasskeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async add(r: PasskeyRecord): Promise<void> {
    await this.db
      .insertInto('passkeys')
      .values({
        credential_id: r.credentialId,
        merchant_id: r.merchantId,
        public_key: r.publicKey,
        counter: r.counter,
        transports: r.transports.join(','),
        name: r.name,
        created_at: r.createdAt,
        last_used_at: r.lastUsedAt,
      })
      .execute();
  }

  async listFor(merchantId: string): Promise<PasskeyRecord[]> {
    const rows = await this.db.selectFrom('passkeys').selectAll().where('merchant_id', '=', merchantId).orderBy('created_at').orderBy('credential_id').execute();
    return rows.map(toRecord);
  }

  async findFor(merchantId: string, credentialId: string): Promise<PasskeyRecord | undefined> {
    const row = await this.db.selectFrom('passkeys').selectAll().where('merchant_id', '=', merchantId).where('credential_id', '=', credentialId).executeTakeFirst();
    return row && toRecord(row);
  }

  async count(merchantId: string): Promise<number> {
    const row = await this.db.selectFrom('passkeys').select((eb) => eb.fn.countAll().as('n')).where('merchant_id', '=', merchantId).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async recordUse(merchantId: string, credentialId: string, expectedCounter: number, counter: number, now: number): Promise<boolean> {
    const res = await this.db
      .updateTable('passkeys')
      .set({ counter, last_used_at: now })
      .where('merchant_id', '=', merchantId)
      .where('credential_id', '=', credentialId)
      .where('counter', '=', expectedCounter)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async remove(merchantId: string, credentialId: string): Promise<boolean> {
    const res = await this.db.deleteFrom('passkeys').where('merchant_id', '=', merchantId).where('credential_id', '=', credentialId).executeTakeFirst();
    return Number(res.numDeletedRows) === 1;
  }

  async putChallenge(sessionHash: string, purpose: PasskeyChallengePurpose, challengeHash: string, expiresAt: number): Promise<void> {
    await this.db
      .insertInto('passkey_challenges')
      .values({ session_hash: sessionHash, purpose, challenge_hash: challengeHash, expires_at: expiresAt })
      .onConflict((oc) => oc.columns(['session_hash', 'purpose']).doUpdateSet({ challenge_hash: challengeHash, expires_at: expiresAt }))
      .execute();
  }

  async takeChallenge(sessionHash: string, purpose: PasskeyChallengePurpose, now: number): Promise<string | undefined> {
    const row = await this.db
      .deleteFrom('passkey_challenges')
      .where('session_hash', '=', sessionHash)
      .where('purpose', '=', purpose)
      .returning(['challenge_hash', 'expires_at'])
      .executeTakeFirst();
    return row && Number(row.expires_at) > now ? row.challenge_hash : undefined;
  }

  async purgeExpiredChallenges(before: number, limit: number): Promise<number> {
    const res = await this.db
      .deleteFrom('passkey_challenges')
      .where('session_hash', 'in', (eb) => eb.selectFrom('passkey_challenges').select('session_hash').where('expires_at', '<=', before).limit(limit))
      .where('expires_at', '<=', before)
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

function toRecord(r: Selectable<Database['passkeys']>): PasskeyRecord {
  return {
    credentialId: r.credential_id,
    merchantId: r.merchant_id,
    publicKey: r.public_key,
    counter: Number(r.counter),
    transports: r.transports === '' ? [] : r.transports.split(','),
    name: r.name,
    createdAt: Number(r.created_at),
    lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at),
  };
}
