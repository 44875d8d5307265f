import type { Kysely, Selectable } from 'kysely';
import { joinedOrNull, wordsOrNull } from '../records.js';
import type { AuthorizationCodesTable, Database } from '../schema.js';
import type { AuthorizationCodeRecord, AuthorizationCodeRepository, Environment, TokenRecord } from '../types.js';
import { toRow } from './tokens.js';

/** Authorization codes over Kysely; the same queries run on SQLite and PostgreSQL. */
export class KyselyAuthorizationCodeRepository implements AuthorizationCodeRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(c: AuthorizationCodeRecord): Promise<void> {
    await this.db
      .insertInto('authorization_codes')
      .values({
        hash: c.hash,
        client_id: c.clientId,
        environment: c.environment,
        redirect_uri: c.redirectUri,
        scope: c.scope,
        code_challenge: c.codeChallenge,
        subject: c.subject,
        grant_id: c.grantId,
        created_at: c.createdAt,
        expires_at: c.expiresAt,
        consumed_at: c.consumedAt,
        resources: joinedOrNull(c.resources),
      })
      .execute();
  }

  async find(hash: string): Promise<AuthorizationCodeRecord | undefined> {
    const row = await this.db.selectFrom('authorization_codes').selectAll().where('hash', '=', hash).executeTakeFirst();
    return row && toCode(row);
  }

  async redeem(hash: string, now: number, tokens: TokenRecord[]): Promise<'redeemed' | 'already_used'> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('authorization_codes')
        .set({ consumed_at: now })
        .where('hash', '=', hash)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return 'already_used';
      if (tokens.length > 0) await trx.insertInto('tokens').values(tokens.map(toRow)).execute();
      return 'redeemed';
    });
  }

  async purgeExpired(before: number, limit: number): Promise<number> {
    const res = await this.db
      .deleteFrom('authorization_codes')
      .where('hash', 'in', (eb) => eb.selectFrom('authorization_codes').select('hash').where('expires_at', '<', before).limit(limit))
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

function toCode(r: Selectable<AuthorizationCodesTable>): AuthorizationCodeRecord {
  return {
    hash: r.hash,
    clientId: r.client_id,
    environment: r.environment as Environment,
    redirectUri: r.redirect_uri,
    scope: r.scope,
    codeChallenge: r.code_challenge,
    subject: r.subject,
    grantId: r.grant_id,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    consumedAt: r.consumed_at === null ? null : Number(r.consumed_at),
    resources: wordsOrNull(r.resources),
  };
}
