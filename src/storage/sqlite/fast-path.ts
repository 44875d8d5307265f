import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { ConnectionLock } from './connection-lock.js';
import type { FailureRow, HotPath } from '../hot-path.js';
import { CLIENT_COLUMNS, TOKEN_COLUMNS, clientFromValues, tokenFromValues } from '../records.js';
import type { ClientRecord, TokenRecord } from '../types.js';
import { WriteBatcher } from '../write-batcher.js';

/**
 * The token hot path on SQLite: prepared statements instead of per-call query compilation, and group
 * commit of token inserts and revocations. Every statement runs under the connection lock that Kysely's
 * driver also takes (connection-lock.ts), so it never lands inside another request's open transaction.
 * Semantics are the shared repositories' (the conformance suite runs against hot-path.ts's classes).
 */
export class SqliteHotPath implements HotPath {
  readonly #findClient: BetterSqlite3.Statement;
  readonly #findToken: BetterSqlite3.Statement;
  readonly #findClientOwner: BetterSqlite3.Statement;
  readonly #readFailures: BetterSqlite3.Statement;
  readonly #insertTokens: BetterSqlite3.Transaction<(tokens: TokenRecord[]) => void>;
  readonly #inserts: WriteBatcher<TokenRecord>;
  /** Revocations grouped the same way: one transaction, one fsync for every revocation of a turn. */
  readonly #revocations: WriteBatcher<{ hash: string; now: number }>;

  constructor(
    readonly db: Kysely<Database>,
    sqlite: BetterSqlite3.Database,
    private readonly lock: ConnectionLock,
  ) {
    // Rows as arrays, mapped by position (records.ts): better-sqlite3 would otherwise build a row object
    // through V8's API, internalizing every column name again for every row.
    this.#findClient = sqlite.prepare(`select ${CLIENT_COLUMNS.join(', ')} from clients where id = ? and deleted_at is null`).raw(true);
    this.#findToken = sqlite.prepare(`select ${TOKEN_COLUMNS.join(', ')} from tokens where hash = ?`).raw(true);
    // The Webhook API's owner check: two columns instead of the 13-column row and its parsing.
    this.#findClientOwner = sqlite.prepare('select environment, merchant_id from clients where id = ? and deleted_at is null');
    // The shared failure limiter asks this before every client authentication (--workers N): two keys.
    this.#readFailures = sqlite.prepare('select key, window_start, count from auth_failures where key in (?, ?) and window_start > ?');
    // Positional parameters: binding an object by name costs better-sqlite3 about 2 µs more per row.
    const insert = sqlite.prepare(
      `insert into tokens (hash, kind, client_id, environment, scope, issued_at, expires_at, revoked_at, grant_id, subject, rotated_at, family_expires_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // One transaction per batch: one commit, one fsync. Run with .immediate() (BEGIN IMMEDIATE): with another
    // process on the file (--workers, the CLI), a deferred transaction that read first fails with
    // SQLITE_BUSY_SNAPSHOT when it tries to write after the other's commit; IMMEDIATE waits for the lock.
    this.#insertTokens = sqlite.transaction((tokens: TokenRecord[]) => {
      for (const t of tokens) {
        insert.run(t.hash, t.kind, t.clientId, t.environment, t.scope, t.issuedAt, t.expiresAt, t.revokedAt, t.grantId, t.subject, t.rotatedAt ?? null, t.familyExpiresAt ?? null);
      }
    });
    this.#inserts = new WriteBatcher((records) => this.locked(() => this.#insertTokens.immediate(records)));

    const kindOf = sqlite.prepare('select kind, grant_id from tokens where hash = ?');
    const revokeOne = sqlite.prepare('update tokens set revoked_at = ? where hash = ? and revoked_at is null');
    const revokeGrant = sqlite.prepare('update tokens set revoked_at = ? where grant_id = ? and revoked_at is null');
    // Same rule as KyselyTokenRepository.revoke: a refresh token takes its whole grant with it (RFC 7009 §2.1).
    const revokeMany = sqlite.transaction((items: Array<{ hash: string; now: number }>) => {
      for (const { hash, now } of items) {
        const row = kindOf.get(hash) as { kind: string; grant_id: string | null } | undefined;
        if (!row) continue;
        if (row.kind === 'refresh' && row.grant_id !== null) revokeGrant.run(now, row.grant_id);
        else revokeOne.run(now, hash);
      }
    });
    this.#revocations = new WriteBatcher((items) => this.locked(() => revokeMany.immediate(items)));
  }

  /** Runs `fn` with the connection lock that Kysely's queries and transactions also take. */
  locked<T>(fn: () => T): Promise<T> {
    return this.lock.run(fn);
  }

  findClient(id: string): Promise<ClientRecord | undefined> {
    return this.locked(() => {
      const values = this.#findClient.get(id) as unknown[] | undefined;
      return values && clientFromValues(values);
    });
  }

  findClientOwnerRow(id: string): Promise<{ environment: string; merchant_id: string | null } | undefined> {
    return this.locked(() => this.#findClientOwner.get(id) as { environment: string; merchant_id: string | null } | undefined);
  }

  findToken(hash: string): Promise<TokenRecord | undefined> {
    return this.locked(() => {
      const values = this.#findToken.get(hash) as unknown[] | undefined;
      return values && tokenFromValues(values);
    });
  }

  readFailureRows(keys: string[], since: number): Promise<FailureRow[]> | undefined {
    if (keys.length !== 2) return undefined;
    return this.locked(() => this.#readFailures.all(keys[0], keys[1], since) as FailureRow[]);
  }

  insertToken(token: TokenRecord): Promise<void> {
    return this.#inserts.write(token);
  }

  /** Grouped with concurrent revocations: one transaction, one fsync. */
  revokeToken(hash: string, now: number): Promise<void> {
    return this.#revocations.write({ hash, now });
  }
}
