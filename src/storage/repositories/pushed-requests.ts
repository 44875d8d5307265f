import type { Kysely, Selectable } from 'kysely';
import type { Database, PushedAuthorizationRequestsTable } from '../schema.js';
import type { Environment, PushedAuthorizationRequestRecord, PushedAuthorizationRequestRepository } from '../types.js';

/** Pushed authorization requests (RFC 9126) over Kysely; the same queries run on SQLite and PostgreSQL. */
export class KyselyPushedAuthorizationRequestRepository implements PushedAuthorizationRequestRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(r: PushedAuthorizationRequestRecord): Promise<void> {
    await this.db
      .insertInto('pushed_authorization_requests')
      .values({
        hash: r.hash,
        client_id: r.clientId,
        environment: r.environment,
        params: JSON.stringify(r.params),
        created_at: r.createdAt,
        expires_at: r.expiresAt,
        consumed_at: r.consumedAt,
      })
      .execute();
  }

  async find(hash: string): Promise<PushedAuthorizationRequestRecord | undefined> {
    const row = await this.db.selectFrom('pushed_authorization_requests').selectAll().where('hash', '=', hash).executeTakeFirst();
    return row && toRecord(row);
  }

  async consume(hash: string, now: number): Promise<boolean> {
    // The one conditional statement that decides a race: only the first use finds it unused and unexpired.
    const res = await this.db
      .updateTable('pushed_authorization_requests')
      .set({ consumed_at: now })
      .where('hash', '=', hash)
      .where('consumed_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async purgeExpired(before: number, limit: number): Promise<number> {
    const res = await this.db
      .deleteFrom('pushed_authorization_requests')
      .where('hash', 'in', (eb) => eb.selectFrom('pushed_authorization_requests').select('hash').where('expires_at', '<', before).limit(limit))
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

function toRecord(r: Selectable<PushedAuthorizationRequestsTable>): PushedAuthorizationRequestRecord {
  return {
    hash: r.hash,
    clientId: r.client_id,
    environment: r.environment as Environment,
    params: JSON.parse(r.params) as Record<string, string>,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    consumedAt: r.consumed_at === null ? null : Number(r.consumed_at),
  };
}
