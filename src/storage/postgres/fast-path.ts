import type pg from 'pg';
import type { Kysely } from 'kysely';
import { toRow } from '../repositories/tokens.js';
import type { Database } from '../schema.js';
import type { FailureRow, HotPath } from '../hot-path.js';
import type { TokenRecord } from '../types.js';
import { WriteBatcher } from '../write-batcher.js';

const COLUMNS = ['hash', 'kind', 'client_id', 'environment', 'scope', 'issued_at', 'expires_at', 'revoked_at', 'grant_id', 'subject', 'rotated_at', 'family_expires_at'] as const;
const TYPES = ['text', 'text', 'text', 'text', 'text', 'bigint', 'bigint', 'bigint', 'text', 'text', 'bigint', 'bigint'];

// Named statements: pg parses and plans each once per connection, then only binds and executes
// (the Kysely path compiles the query in JavaScript and has the server parse it on every call).
// Columns are named, not `*`: a prepared `select *` fails once a migration on another node adds a column.
const CLIENT_COLUMNS = 'id, environment, name, secret_hash, previous_secret_hash, previous_secret_expires_at, scopes, grant_types, redirect_uris, is_resource_server, merchant_id, created_at, deleted_at';
const FIND_CLIENT = `select ${CLIENT_COLUMNS} from clients where id = $1 and deleted_at is null`;
const FIND_TOKEN = `select ${COLUMNS.join(', ')} from tokens where hash = $1`;
const READ_FAILURES = 'select key, window_start, count from auth_failures where key = any($1::text[]) and window_start > $2';
// RFC 7009 §2.1 as one statement (no transaction, one round trip): a refresh token takes its whole grant
// with it, any other token only itself. Same rule as KyselyTokenRepository.revoke.
const REVOKE = `with presented as (select kind, grant_id from tokens where hash = $1)
  update tokens set revoked_at = $2
  where revoked_at is null and (
    grant_id = (select grant_id from presented where kind = 'refresh' and grant_id is not null)
    or (hash = $1 and not exists (select 1 from presented where kind = 'refresh' and grant_id is not null)))`;
// One statement for any number of rows: each column travels as one array parameter.
const INSERT_TOKENS = `insert into tokens (${COLUMNS.join(', ')}) select * from unnest(${TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;

/**
 * The token hot path on PostgreSQL: named prepared statements for the client and token look-ups, and group
 * commit of token inserts (every insert of an event-loop turn in one multi-row statement: one round trip
 * and one WAL flush instead of one each). Each reply still waits for its own row to be committed.
 * Semantics are the shared repositories' (the conformance suite runs against these classes).
 */
export class PostgresHotPath implements HotPath {
  readonly #inserts: WriteBatcher<TokenRecord>;

  constructor(
    readonly db: Kysely<Database>,
    private readonly pool: pg.Pool,
  ) {
    this.#inserts = new WriteBatcher((records) => this.#insert(records));
  }

  async findClientRow(id: string): Promise<unknown> {
    const res = await this.pool.query({ name: 'mypos_find_client', text: FIND_CLIENT, values: [id] });
    return res.rows[0];
  }

  async findTokenRow(hash: string): Promise<unknown> {
    const res = await this.pool.query({ name: 'mypos_find_token', text: FIND_TOKEN, values: [hash] });
    return res.rows[0];
  }

  readFailureRows(keys: string[], since: number): Promise<FailureRow[]> {
    return this.pool.query({ name: 'mypos_read_failures', text: READ_FAILURES, values: [keys, since] }).then((res) => res.rows);
  }

  insertToken(token: TokenRecord): Promise<void> {
    return this.#inserts.write(token);
  }

  async revokeToken(hash: string, now: number): Promise<void> {
    await this.pool.query({ name: 'mypos_revoke_token', text: REVOKE, values: [hash, now] });
  }

  async #insert(records: TokenRecord[]): Promise<void> {
    const columns: unknown[][] = COLUMNS.map(() => []);
    for (const record of records) {
      const row = toRow(record);
      COLUMNS.forEach((name, i) => columns[i]!.push(row[name]));
    }
    await this.pool.query({ name: 'mypos_insert_tokens', text: INSERT_TOKENS, values: columns });
  }
}
