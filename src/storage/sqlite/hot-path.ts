import type BetterSqlite3 from 'better-sqlite3';
import type { ConnectionLock } from './connection-lock.js';
import type { FailureRow, HotPath } from '../hot-path.js';
import type { Selectable } from 'kysely';
import { CLIENT_COLUMNS, TOKEN_COLUMNS, clientFromRow, joinedOrNull, tokenFromRow } from '../records.js';
import type { ClientsTable, TokensTable } from '../schema.js';
import type { ClientRecord, Environment, TokenRecord } from '../types.js';
import { WriteBatcher } from '../write-batcher.js';

/**
 * The token hot path on SQLite: prepared statements instead of per-call query compilation, and group
 * commit of token inserts and revocations. Every statement runs under the connection lock that Kysely's
 * driver also takes (connection-lock.ts), so it never lands inside another request's open transaction.
 * The repositories built on it (../hot-path.ts) are what the conformance suite runs against.
 */
export class SqliteHotPath implements HotPath {
  readonly #findClient: BetterSqlite3.Statement;
  readonly #findToken: BetterSqlite3.Statement;
  readonly #findClientOwner: BetterSqlite3.Statement;
  /** By key count: the shared limiter reads two keys (address and client), other callers any number. */
  readonly #readFailures = new Map<number, BetterSqlite3.Statement>();
  readonly #insertTokens: BetterSqlite3.Transaction<(tokens: TokenRecord[]) => void>;
  readonly #inserts: WriteBatcher<TokenRecord>;
  /** Revocations grouped the same way: one transaction, one fsync for every revocation of a turn. */
  readonly #revocations: WriteBatcher<{ key: string; now: number }>;

  constructor(
    private readonly sqlite: BetterSqlite3.Database,
    private readonly lock: ConnectionLock,
  ) {
    this.#findClient = sqlite.prepare(`select ${CLIENT_COLUMNS.join(', ')} from clients where id = ? and deleted_at is null`);
    this.#findToken = sqlite.prepare(`select ${TOKEN_COLUMNS.join(', ')} from tokens where hash = ?`);
    // The Webhook API's owner check: two columns instead of the 13-column row and its parsing.
    this.#findClientOwner = sqlite.prepare('select environment, merchant_id from clients where id = ? and deleted_at is null');
    // Positional parameters: better-sqlite3 binds them cheaper than an object by name.
    const insert = sqlite.prepare(
      `insert into tokens (hash, kind, client_id, environment, scope, issued_at, expires_at, revoked_at, grant_id, subject, rotated_at, family_expires_at, audience, jkt)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    // One transaction per batch: one commit, one fsync. Run with .immediate() (BEGIN IMMEDIATE): with another
    // process on the file (--workers, the CLI), a deferred transaction that read first fails with
    // SQLITE_BUSY_SNAPSHOT when it tries to write after the other's commit; IMMEDIATE waits for the lock.
    this.#insertTokens = sqlite.transaction((tokens: TokenRecord[]) => {
      for (const t of tokens) {
        insert.run(
          t.key, t.kind, t.clientId, t.environment, t.scope, t.issuedAt, t.expiresAt, t.revokedAt, t.grantId, t.subject,
          t.rotatedAt ?? null, t.familyExpiresAt ?? null, joinedOrNull(t.audience), t.jkt ?? null,
        );
      }
    });
    this.#inserts = new WriteBatcher((records) => this.locked(() => this.#insertTokens.immediate(records)));

    const revokeOne = sqlite.prepare('update tokens set revoked_at = ? where hash = ? and revoked_at is null');
    const revokeMany = sqlite.transaction((items: Array<{ key: string; now: number }>) => {
      for (const { key, now } of items) revokeOne.run(now, key);
    });
    this.#revocations = new WriteBatcher((items) => this.locked(() => revokeMany.immediate(items)));
  }

  /** Runs `fn` with the connection lock that Kysely's queries and transactions also take. */
  locked<T>(fn: () => T): Promise<T> {
    return this.lock.run(fn);
  }

  findClient(id: string): Promise<ClientRecord | undefined> {
    return this.locked(() => {
      const row = this.#findClient.get(id) as Selectable<ClientsTable> | undefined;
      return row && clientFromRow(row);
    });
  }

  findClientOwner(id: string): Promise<Pick<ClientRecord, 'environment' | 'merchantId'> | undefined> {
    return this.locked(() => {
      const row = this.#findClientOwner.get(id) as { environment: Environment; merchant_id: string | null } | undefined;
      return row && { environment: row.environment, merchantId: row.merchant_id };
    });
  }

  findToken(key: string): Promise<TokenRecord | undefined> {
    return this.locked(() => {
      const row = this.#findToken.get(key) as Selectable<TokensTable> | undefined;
      return row && tokenFromRow(row);
    });
  }

  readFailureRows(keys: string[], since: number): Promise<FailureRow[]> {
    return this.locked(() => this.#readFailuresOf(keys.length).all(...keys, since) as FailureRow[]);
  }

  #readFailuresOf(keyCount: number): BetterSqlite3.Statement {
    let statement = this.#readFailures.get(keyCount);
    if (statement === undefined) {
      const keys = Array.from({ length: keyCount }, () => '?').join(', ');
      statement = this.sqlite.prepare(`select key, window_start, count from auth_failures where key in (${keys}) and window_start > ?`);
      this.#readFailures.set(keyCount, statement);
    }
    return statement;
  }

  insertToken(token: TokenRecord): Promise<void> {
    return this.#inserts.write(token);
  }

  /** Grouped with concurrent revocations: one transaction, one fsync. */
  revokeTokenOnly(key: string, now: number): Promise<void> {
    return this.#revocations.write({ key, now });
  }
}
