import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../schema.js';
import type { TwoFactorRecord, TwoFactorRepository } from '../types.js';

/** Two-factor sign-in: each state change is one conditional statement or one transaction, so a race has one winner. */
export class KyselyTwoFactorRepository implements TwoFactorRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async find(merchantId: string): Promise<TwoFactorRecord | undefined> {
    const row = await this.db.selectFrom('two_factor').selectAll().where('merchant_id', '=', merchantId).executeTakeFirst();
    return row && toRecord(row);
  }

  async startSetup(r: { merchantId: string; secretSealed: string; createdAt: number; setupSessionHash: string }): Promise<boolean> {
    const res = await this.db
      .insertInto('two_factor')
      .values({ merchant_id: r.merchantId, secret_sealed: r.secretSealed, created_at: r.createdAt, enabled_at: null, setup_session_hash: r.setupSessionHash, last_step: null })
      .onConflict((oc) =>
        oc
          .column('merchant_id')
          .doUpdateSet({ secret_sealed: r.secretSealed, created_at: r.createdAt, setup_session_hash: r.setupSessionHash, last_step: null })
          .where('two_factor.enabled_at', 'is', null),
      )
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async enable(merchantId: string, setupSessionHash: string, step: number, now: number, recoveryCodeHashes: string[]): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('two_factor')
        .set({ enabled_at: now, setup_session_hash: null, last_step: step })
        .where('merchant_id', '=', merchantId)
        .where('enabled_at', 'is', null)
        .where('setup_session_hash', '=', setupSessionHash)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      await trx.deleteFrom('recovery_codes').where('merchant_id', '=', merchantId).execute();
      if (recoveryCodeHashes.length > 0) {
        await trx
          .insertInto('recovery_codes')
          .values(recoveryCodeHashes.map((h) => ({ code_hash: h, merchant_id: merchantId, created_at: now, used_at: null })))
          .execute();
      }
      return true;
    });
  }

  async acceptStep(merchantId: string, step: number): Promise<boolean> {
    const res = await this.db
      .updateTable('two_factor')
      .set({ last_step: step })
      .where('merchant_id', '=', merchantId)
      .where('enabled_at', 'is not', null)
      .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async useRecoveryCode(merchantId: string, codeHash: string, now: number): Promise<boolean> {
    const res = await this.db
      .updateTable('recovery_codes')
      .set({ used_at: now })
      .where('code_hash', '=', codeHash)
      .where('merchant_id', '=', merchantId)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async replaceRecoveryCodes(merchantId: string, codeHashes: string[], now: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('recovery_codes').where('merchant_id', '=', merchantId).execute();
      if (codeHashes.length > 0) {
        await trx
          .insertInto('recovery_codes')
          .values(codeHashes.map((h) => ({ code_hash: h, merchant_id: merchantId, created_at: now, used_at: null })))
          .execute();
      }
    });
  }

  async unusedRecoveryCodes(merchantId: string): Promise<number> {
    const row = await this.db
      .selectFrom('recovery_codes')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('merchant_id', '=', merchantId)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async disable(merchantId: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx.deleteFrom('two_factor').where('merchant_id', '=', merchantId).where('enabled_at', 'is not', null).executeTakeFirst();
      await trx.deleteFrom('recovery_codes').where('merchant_id', '=', merchantId).execute();
      // Passkeys are a second factor beside the TOTP key: they go with it (from the pages and the CLI alike).
      if (Number(res.numDeletedRows) === 1) await trx.deleteFrom('passkeys').where('merchant_id', '=', merchantId).execute();
      return Number(res.numDeletedRows) === 1;
    });
  }

  async purgeAbandonedSetups(before: number, limit: number): Promise<number> {
    const res = await this.db
      .deleteFrom('two_factor')
      .where('merchant_id', 'in', (eb) =>
        eb.selectFrom('two_factor').select('merchant_id').where('enabled_at', 'is', null).where('created_at', '<', before).limit(limit),
      )
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

function toRecord(r: Selectable<Database['two_factor']>): TwoFactorRecord {
  return {
    merchantId: r.merchant_id,
    secretSealed: r.secret_sealed,
    createdAt: Number(r.created_at),
    enabledAt: r.enabled_at === null ? null : Number(r.enabled_at),
    setupSessionHash: r.setup_session_hash,
    lastStep: r.last_step === null ? null : Number(r.last_step),
  };
}
