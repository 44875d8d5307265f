import type pg from 'pg';
import type { Kysely } from 'kysely';
import { KyselyClientRepository } from '../repositories/clients.js';
import { KyselyTokenRepository, toRow } from '../repositories/tokens.js';
import type { Database } from '../schema.js';
import { KyselyFailureCounterRepository } from '../repositories/failures.js';
import type { ClientRecord, FailureWindow, TokenRecord } from '../types.js';
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
// One statement for any number of rows: each column travels as one array parameter.
const INSERT_TOKENS = `insert into tokens (${COLUMNS.join(', ')}) select * from unnest(${TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;

/**
 * The token hot path on PostgreSQL: named prepared statements for the client and token look-ups, and group
 * commit of token inserts (every insert of an event-loop turn in one multi-row statement: one round trip
 * and one WAL flush instead of one each). Each reply still waits for its own row to be committed.
 * Semantics are the shared repositories' (the conformance suite runs against these classes).
 */
export class PostgresHotPath {
  readonly batcher: WriteBatcher<TokenRecord>;

  constructor(
    readonly db: Kysely<Database>,
    private readonly pool: pg.Pool,
  ) {
    this.batcher = new WriteBatcher((records) => this.#insert(records));
  }

  async findClientRow(id: string): Promise<unknown> {
    const res = await this.pool.query({ name: 'mypos_find_client', text: FIND_CLIENT, values: [id] });
    return res.rows[0];
  }

  async findTokenRow(hash: string): Promise<unknown> {
    const res = await this.pool.query({ name: 'mypos_find_token', text: FIND_TOKEN, values: [hash] });
    return res.rows[0];
  }

  async readFailureRows(keys: string[], since: number): Promise<Array<{ key: string; window_start: number; count: number }>> {
    const res = await this.pool.query({ name: 'mypos_read_failures', text: READ_FAILURES, values: [keys, since] });
    return res.rows;
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

/** The shared failure limiter asks this before every client authentication, on every node. */
export class PostgresFailureCounterRepository extends KyselyFailureCounterRepository {
  constructor(private readonly hot: PostgresHotPath) {
    super(hot.db);
  }

  override async read(keys: string[], since: number): Promise<Map<string, FailureWindow>> {
    const rows = await this.hot.readFailureRows(keys, since);
    return new Map(rows.map((r) => [r.key, { windowStart: Number(r.window_start), count: Number(r.count) }]));
  }
}

export class PostgresClientRepository extends KyselyClientRepository {
  constructor(private readonly hot: PostgresHotPath) {
    super(hot.db);
  }

  override async find(id: string): Promise<ClientRecord | undefined> {
    const row = await this.hot.findClientRow(id);
    return row ? KyselyClientRepository.fromRow(row as never) : undefined;
  }
}

export class PostgresTokenRepository extends KyselyTokenRepository {
  constructor(private readonly hot: PostgresHotPath) {
    super(hot.db);
  }

  /** Resolves once the row is committed (group commit with concurrent inserts). */
  override insert(token: TokenRecord): Promise<void> {
    return this.hot.batcher.write(token);
  }

  override async find(hash: string): Promise<TokenRecord | undefined> {
    const row = await this.hot.findTokenRow(hash);
    return row ? KyselyTokenRepository.fromRow(row as never) : undefined;
  }
}
