import type { Kysely, Selectable } from 'kysely';
import type { Database, SigningKeysTable } from '../schema.js';
import type { Environment, SigningKeyRecord, SigningKeyRepository } from '../types.js';

/** JWT signing keys over Kysely; the same queries run on SQLite and PostgreSQL. */
export class KyselySigningKeyRepository implements SigningKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertIfAbsent(k: SigningKeyRecord): Promise<boolean> {
    // One conditional statement: of several nodes creating the same scheduled key, exactly one row lands.
    const res = await this.db
      .insertInto('signing_keys')
      .values({
        kid: k.kid,
        environment: k.environment,
        alg: k.alg,
        public_jwk: k.publicJwk,
        private_key_encrypted: k.privateKeyEncrypted,
        created_at: k.createdAt,
        activates_at: k.activatesAt,
        deactivates_at: k.deactivatesAt,
        expires_at: k.expiresAt,
      })
      .onConflict((oc) => oc.columns(['environment', 'activates_at']).doNothing())
      .executeTakeFirst();
    return Number(res.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async listLive(environment: Environment, now: number): Promise<SigningKeyRecord[]> {
    const rows = await this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where('environment', '=', environment)
      .where('expires_at', '>', now)
      .orderBy('activates_at', 'asc')
      .execute();
    return rows.map(toRecord);
  }

  async purgeExpired(before: number, limit: number): Promise<number> {
    const victims = this.db.selectFrom('signing_keys').select('kid').where('expires_at', '<', before).limit(limit);
    const res = await this.db.deleteFrom('signing_keys').where('kid', 'in', victims).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}

function toRecord(r: Selectable<SigningKeysTable>): SigningKeyRecord {
  return {
    kid: r.kid,
    environment: r.environment as Environment,
    alg: r.alg as 'ES256',
    publicJwk: r.public_jwk,
    privateKeyEncrypted: r.private_key_encrypted,
    // PostgreSQL returns bigint as a string.
    createdAt: Number(r.created_at),
    activatesAt: Number(r.activates_at),
    deactivatesAt: Number(r.deactivates_at),
    expiresAt: Number(r.expires_at),
  };
}
