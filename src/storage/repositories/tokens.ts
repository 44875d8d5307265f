import type { Kysely } from 'kysely';
import { joinedOrNull } from '../records.js';
import type { Database, TokensTable } from '../schema.js';
import type { TokenRecord, TokenRepository } from '../types.js';

/**
 * Tokens over Kysely; the same queries run on SQLite and PostgreSQL. The look-up, insert and revocation
 * are each backend's hot path (hot-path.ts).
 */
export class KyselyTokenRepository implements Omit<TokenRepository, 'find' | 'insert' | 'revoke'> {
  constructor(private readonly db: Kysely<Database>) {}

  async insertMany(tokens: TokenRecord[]): Promise<void> {
    await this.db.insertInto('tokens').values(tokens.map(toRow)).execute();
  }

  async revokeBySubject(clientId: string, subject: string, now: number): Promise<number> {
    const res = await this.db
      .updateTable('tokens')
      .set({ revoked_at: now })
      .where('subject', '=', subject)
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  async revokeGrant(grantId: string, now: number): Promise<number> {
    const res = await this.db
      .updateTable('tokens')
      .set({ revoked_at: now })
      .where('grant_id', '=', grantId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  async rotateRefresh(key: string, now: number, successors: TokenRecord[]): Promise<'rotated' | 'lost'> {
    return this.db.transaction().execute(async (trx) => {
      // The one conditional statement that decides a race: only the first rotation finds rotated_at null.
      const res = await trx
        .updateTable('tokens')
        .set({ rotated_at: now })
        .where('hash', '=', key)
        .where('kind', '=', 'refresh')
        .where('rotated_at', 'is', null)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return 'lost';
      await trx.insertInto('tokens').values(successors.map(toRow)).execute();
      return 'rotated';
    });
  }

  async revokeByClient(clientId: string, now: number): Promise<number> {
    const res = await this.db
      .updateTable('tokens')
      .set({ revoked_at: now })
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  async countActiveByClient(clientId: string, now: number): Promise<number> {
    const row = await this.db
      .selectFrom('tokens')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('client_id', '=', clientId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async purgeExpired(before: number, limit: number): Promise<number> {
    // Bounded batch: a subquery picks at most `limit` rows, so no statement holds the write lock for long.
    const res = await this.db
      .deleteFrom('tokens')
      .where('hash', 'in', (eb) =>
        eb.selectFrom('tokens').select('hash').where('expires_at', '<', before).limit(limit),
      )
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

export function toRow(t: TokenRecord): TokensTable {
  return {
    hash: t.key,
    kind: t.kind,
    client_id: t.clientId,
    environment: t.environment,
    scope: t.scope,
    issued_at: t.issuedAt,
    expires_at: t.expiresAt,
    revoked_at: t.revokedAt,
    grant_id: t.grantId,
    subject: t.subject,
    rotated_at: t.rotatedAt ?? null,
    family_expires_at: t.familyExpiresAt ?? null,
    audience: joinedOrNull(t.audience),
    jkt: t.jkt ?? null,
  };
}
