import type pg from 'pg';
import { toRow } from '../repositories/tokens.js';
import type { FailureRow, HotPath } from '../hot-path.js';
import type { Selectable } from 'kysely';
import { CLIENT_COLUMNS, TOKEN_COLUMNS, clientFromRow, tokenFromRow } from '../records.js';
import type { ClientsTable, TokensTable } from '../schema.js';
import type { ClientRecord, TokenRecord } from '../types.js';
import { ReadBatcher } from '../read-batcher.js';
import { WriteBatcher } from '../write-batcher.js';

// The array type of each token column, by name: a column added to TOKEN_COLUMNS without its type does not compile.
const TYPES: Record<(typeof TOKEN_COLUMNS)[number], 'text' | 'bigint'> = {
  hash: 'text',
  kind: 'text',
  client_id: 'text',
  environment: 'text',
  scope: 'text',
  issued_at: 'bigint',
  expires_at: 'bigint',
  revoked_at: 'bigint',
  grant_id: 'text',
  subject: 'text',
  rotated_at: 'bigint',
  family_expires_at: 'bigint',
  audience: 'text',
  jkt: 'text',
};

// Named statements: pg parses and plans each once per connection, then only binds and executes
// (the Kysely path compiles the query in JavaScript and has the server parse it on every call).
// Columns are named, not `*` (hot-path.ts).
// Point reads take an array: concurrent requests' keys are read in one statement (read-batcher.ts).
const FIND_TOKENS = `select ${TOKEN_COLUMNS.join(', ')} from tokens where hash = any($1::text[])`;
// Client authentication reads a client and its failure counters (the shared limiter) at the same moment;
// both go in one statement, one round trip per turn instead of two (each query's socket write and reply
// parsing cost more than the look-up). auth_failures.key is the primary key: one row per key; the window
// filter is applied per caller (readFailureRows). The second branch's NULLs take the first branch's types.
const READ_AUTH = `select 'c' as row_kind, ${CLIENT_COLUMNS.join(', ')}, null as key, null as window_start, null as count
    from clients where id = any($1::text[]) and deleted_at is null
  union all
  select 'f', ${CLIENT_COLUMNS.map(() => 'null').join(', ')}, key, window_start, count
    from auth_failures where key = any($2::text[])`;
/** Keys of the combined read: a kind letter, then the client id or the counter key (never ambiguous: one letter). */
const CLIENT_KEY = 'c';
const FAILURE_KEY = 'f';
/** A READ_AUTH row: a client's columns or a counter's, as its row_kind says. */
type AuthRow = Selectable<ClientsTable> & FailureRow & { row_kind: string };
// Every single-token revocation of an event-loop turn in one statement (the grant rule is hot-path.ts's).
const REVOKE_MANY = 'update tokens set revoked_at = $2 where hash = any($1::text[]) and revoked_at is null';
// One statement for any number of rows: each column travels as one array parameter.
const INSERT_TOKENS = `insert into tokens (${TOKEN_COLUMNS.join(', ')}) select * from unnest(${TOKEN_COLUMNS.map((c, i) => `$${i + 1}::${TYPES[c]}[]`).join(', ')})`;

/**
 * The token hot path on PostgreSQL: named prepared statements; the look-ups of an event-loop turn batched
 * (tokens in one statement, clients with their failure counters in another); and group commit of token inserts (every
 * insert of a turn in one multi-row statement: one round trip and one WAL flush instead of one each). Each
 * reply still waits for its own row to be committed, and every read goes to the database.
 * The repositories built on it (../hot-path.ts) are what the conformance suite runs against.
 */
export class PostgresHotPath implements HotPath {
  readonly #inserts: WriteBatcher<TokenRecord>;
  readonly #revocations: WriteBatcher<{ key: string; now: number }>;
  readonly #tokens: ReadBatcher<string, Selectable<TokensTable>>;
  /** Clients and failure counters, keyed CLIENT_KEY + id and FAILURE_KEY + key. */
  readonly #auth: ReadBatcher<string, AuthRow>;

  constructor(private readonly pool: pg.Pool) {
    this.#inserts = new WriteBatcher((records) => this.#insert(records));
    this.#revocations = new WriteBatcher((items) => this.#revoke(items));
    this.#tokens = new ReadBatcher((keys) => this.#readTokens(keys));
    this.#auth = new ReadBatcher((keys) => this.#readAuth(keys));
  }

  // Each caller gets its own record, even when a batch read its key for several callers.
  async findClient(id: string): Promise<ClientRecord | undefined> {
    const row = await this.#auth.read(CLIENT_KEY + id);
    return row && clientFromRow(row);
  }

  async findClientOwner(id: string): Promise<Pick<ClientRecord, 'environment' | 'merchantId'> | undefined> {
    const client = await this.findClient(id);
    return client && { environment: client.environment, merchantId: client.merchantId };
  }

  async findToken(key: string): Promise<TokenRecord | undefined> {
    const row = await this.#tokens.read(key);
    return row && tokenFromRow(row);
  }

  async readFailureRows(keys: string[], since: number): Promise<FailureRow[]> {
    const rows = await Promise.all(keys.map((k) => this.#auth.read(FAILURE_KEY + k)));
    const windows: FailureRow[] = [];
    for (const r of rows) {
      if (r === undefined || Number(r.window_start) <= since) continue;
      windows.push({ key: r.key, window_start: Number(r.window_start), count: Number(r.count) });
    }
    return windows;
  }

  insertToken(token: TokenRecord): Promise<void> {
    return this.#inserts.write(token);
  }

  revokeTokenOnly(key: string, now: number): Promise<void> {
    return this.#revocations.write({ key, now });
  }

  /** One statement per distinct revocation time in the batch (nearly always one: times are in seconds). */
  async #revoke(items: Array<{ key: string; now: number }>): Promise<void> {
    const byTime = new Map<number, string[]>();
    for (const { key, now } of items) {
      const keys = byTime.get(now);
      if (keys) keys.push(key);
      else byTime.set(now, [key]);
    }
    for (const [now, keys] of byTime) await this.pool.query({ name: 'mypos_revoke_token_only', text: REVOKE_MANY, values: [keys, now] });
  }

  async #readTokens(keys: string[]): Promise<Map<string, Selectable<TokensTable>>> {
    const res = await this.pool.query<Selectable<TokensTable>>({ name: 'mypos_find_tokens', text: FIND_TOKENS, values: [keys] });
    return new Map(res.rows.map((row) => [row.hash, row]));
  }

  async #readAuth(keys: string[]): Promise<Map<string, AuthRow>> {
    const [ids, failureKeys]: [string[], string[]] = [[], []];
    for (const k of keys) (k[0] === CLIENT_KEY ? ids : failureKeys).push(k.slice(1));
    const res = await this.pool.query<AuthRow>({ name: 'mypos_read_auth', text: READ_AUTH, values: [ids, failureKeys] });
    const rows = new Map<string, AuthRow>();
    for (const row of res.rows) rows.set(row.row_kind === CLIENT_KEY ? CLIENT_KEY + row.id : FAILURE_KEY + row.key, row);
    return rows;
  }

  async #insert(records: TokenRecord[]): Promise<void> {
    const columns: unknown[][] = TOKEN_COLUMNS.map(() => []);
    for (const record of records) {
      const row = toRow(record);
      TOKEN_COLUMNS.forEach((name, i) => columns[i]!.push(row[name]));
    }
    await this.pool.query({ name: 'mypos_insert_tokens', text: INSERT_TOKENS, values: columns });
  }
}
