import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { SecretRevealKind, SecretRevealRecord, SecretRevealRepository, SecretRevealTake } from '../types.js';

/** Secrets waiting to be shown once; the sealed value is erased by the statement that hands it out. */
export class KyselySecretRevealRepository implements SecretRevealRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(r: SecretRevealRecord): Promise<void> {
    await this.db
      .insertInto('secret_reveals')
      .values({
        ref_hash: r.refHash,
        session_hash: r.sessionHash,
        client_id: r.clientId,
        kind: r.kind,
        sealed: r.sealed,
        created_at: r.createdAt,
        expires_at: r.expiresAt,
        shown_at: null,
      })
      .execute();
  }

  async take(refHash: string, sessionHash: string, now: number): Promise<SecretRevealTake> {
    const row = await this.db.selectFrom('secret_reveals').selectAll().where('ref_hash', '=', refHash).executeTakeFirst();
    if (!row || row.session_hash !== sessionHash) return { status: 'unknown' };
    const kind = revealKind(row.kind);
    if (row.shown_at !== null || row.sealed === null) return { status: 'already_shown', clientId: row.client_id, kind };
    if (Number(row.expires_at) <= now) return { status: 'unknown' };
    // Conditional: of concurrent takes (a double reload, two tabs) exactly one erases the row and shows it.
    const res = await this.db
      .updateTable('secret_reveals')
      .set({ sealed: null, shown_at: now })
      .where('ref_hash', '=', refHash)
      .where('shown_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== 1) return { status: 'already_shown', clientId: row.client_id, kind };
    return { status: 'shown', clientId: row.client_id, kind, sealed: row.sealed };
  }

  async purgeExpired(before: number, limit: number): Promise<number> {
    const res = await this.db
      .deleteFrom('secret_reveals')
      .where('ref_hash', 'in', (eb) => eb.selectFrom('secret_reveals').select('ref_hash').where('expires_at', '<', before).limit(limit))
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

const KINDS: readonly SecretRevealKind[] = ['created', 'rotated', 'webhook_rolled', 'recovery_codes'];

function revealKind(kind: string): SecretRevealKind {
  return KINDS.find((k) => k === kind) ?? 'created';
}
