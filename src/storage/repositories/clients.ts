import type { Kysely } from 'kysely';
import { clientFromRow, jwksToColumn } from '../records.js';
import type { Database } from '../schema.js';
import type { ClientFilter, ClientRecord, ClientRepository, PublicJwk, SecretDetails, SecretUse } from '../types.js';

/** Clients over Kysely; the same queries run on SQLite and PostgreSQL. The look-ups are each backend's hot path (hot-path.ts). */
export class KyselyClientRepository implements Omit<ClientRepository, 'find' | 'findOwner'> {
  constructor(private readonly db: Kysely<Database>) {}

  async create(c: ClientRecord, secretHint: string | null = null): Promise<void> {
    await this.db
      .insertInto('clients')
      .values({
        id: c.id,
        environment: c.environment,
        name: c.name,
        secret_hash: c.secretHash,
        previous_secret_hash: c.previousSecretHash,
        previous_secret_expires_at: c.previousSecretExpiresAt,
        scopes: c.scopes.join(' '),
        grant_types: c.grantTypes.join(' '),
        redirect_uris: JSON.stringify(c.redirectUris),
        is_resource_server: c.isResourceServer ? 1 : 0,
        merchant_id: c.merchantId,
        created_at: c.createdAt,
        deleted_at: null,
        secret_hint: secretHint,
        require_pushed_authorization_requests: c.requirePushedAuthorizationRequests ? 1 : 0,
        dpop_bound_access_tokens: c.dpopBoundAccessTokens ? 1 : 0,
        jwks: jwksToColumn(c.publicKeys),
      })
      .execute();
  }

  async list(filter: ClientFilter): Promise<ClientRecord[]> {
    let q = this.db.selectFrom('clients').selectAll().where('deleted_at', 'is', null);
    if (filter.environment) q = q.where('environment', '=', filter.environment);
    if (filter.merchantId !== undefined) {
      q = filter.merchantId === null ? q.where('merchant_id', 'is', null) : q.where('merchant_id', '=', filter.merchantId);
    }
    const rows = await q.orderBy('created_at').orderBy('id').execute();
    return rows.map(clientFromRow);
  }

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('clients')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async rotateSecret(id: string, newHash: string, previousExpiresAt: number, now: number, newHint: string | null = null): Promise<boolean> {
    // One conditional statement: the old digest moves to previous_secret_hash and the new one takes its
    // place, so two racing rotations cannot both keep a secret alive that neither caller holds.
    const res = await this.db
      .updateTable('clients')
      .set((eb) => ({
        previous_secret_hash: eb.ref('secret_hash'),
        previous_secret_expires_at: previousExpiresAt > now ? previousExpiresAt : now,
        secret_hash: newHash,
        // The hint and last use travel with their secret.
        previous_secret_hint: eb.ref('secret_hint'),
        previous_secret_last_used_at: eb.ref('secret_last_used_at'),
        secret_hint: newHint,
        secret_last_used_at: null,
      }))
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      // A private_key_jwt client never holds a shared secret (RFC 7523 §2.2).
      .where('jwks', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async replacePublicKeys(id: string, expected: PublicJwk[], next: PublicJwk[]): Promise<boolean> {
    // One conditional statement: the set is replaced only if it is still the one the caller read.
    const res = await this.db
      .updateTable('clients')
      .set({ jwks: jwksToColumn(next) })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .where('jwks', '=', jwksToColumn(expected))
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async expirePreviousSecret(id: string, now: number): Promise<boolean> {
    const res = await this.db
      .updateTable('clients')
      .set({ previous_secret_hash: null, previous_secret_expires_at: now })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .where('previous_secret_hash', 'is not', null)
      .where('previous_secret_expires_at', '>', now)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async setScopes(id: string, scopes: string[]): Promise<boolean> {
    const res = await this.db.updateTable('clients').set({ scopes: scopes.join(' ') }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async secretDetails(ids: string[]): Promise<Map<string, SecretDetails>> {
    const out = new Map<string, SecretDetails>();
    if (ids.length === 0) return out;
    const rows = await this.db
      .selectFrom('clients')
      .select(['id', 'secret_hint', 'secret_last_used_at', 'previous_secret_hint', 'previous_secret_last_used_at'])
      .where('id', 'in', ids)
      .execute();
    for (const r of rows) {
      out.set(r.id, {
        hint: r.secret_hint,
        lastUsedAt: r.secret_last_used_at === null ? null : Number(r.secret_last_used_at),
        previousHint: r.previous_secret_hint,
        previousLastUsedAt: r.previous_secret_last_used_at === null ? null : Number(r.previous_secret_last_used_at),
      });
    }
    return out;
  }

  async recordSecretUses(uses: SecretUse[]): Promise<void> {
    // The digest, not "current" or "previous", names the secret: a use counted just before a rotation
    // lands on the slot that secret holds when the counts are written.
    for (const u of uses) {
      await this.db
        .updateTable('clients')
        .set((eb) => ({
          secret_last_used_at: eb
            .case()
            .when(eb.and([eb('secret_hash', '=', u.secretHash), eb.or([eb('secret_last_used_at', 'is', null), eb('secret_last_used_at', '<', u.at)])]))
            .then(u.at)
            .else(eb.ref('secret_last_used_at'))
            .end(),
          previous_secret_last_used_at: eb
            .case()
            .when(
              eb.and([
                eb('previous_secret_hash', '=', u.secretHash),
                eb.or([eb('previous_secret_last_used_at', 'is', null), eb('previous_secret_last_used_at', '<', u.at)]),
              ]),
            )
            .then(u.at)
            .else(eb.ref('previous_secret_last_used_at'))
            .end(),
        }))
        .where('id', '=', u.clientId)
        .where((eb) => eb.or([eb('secret_hash', '=', u.secretHash), eb('previous_secret_hash', '=', u.secretHash)]))
        .execute();
    }
  }

  async rename(id: string, name: string): Promise<boolean> {
    const res = await this.db.updateTable('clients').set({ name }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async delete(id: string, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('clients')
        .set({ deleted_at: now, secret_hash: null, previous_secret_hash: null, jwks: null })
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) !== 1) return false;
      await trx
        .updateTable('tokens')
        .set({ revoked_at: now })
        .where('client_id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
      return true;
    });
  }
}
