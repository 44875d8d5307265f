import type BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';
import type { ConnectionLock } from './connection-lock.js';

/** Prepared statements kept per SQL text; the app issues a few dozen distinct ones. */
const STATEMENT_CACHE_SIZE = 128;
/**
 * Longer SQL is prepared per use and not kept: multi-row inserts (usage counters, audit events) have a
 * text per row count, and each prepared statement holds native memory: keeping them all made the process
 * grow in the soak while the JS heap stayed flat.
 */
const CACHEABLE_SQL_LENGTH = 2000;

/**
 * Kysely's SQLite dialect with three changes: statements are prepared once per SQL text and reused
 * (Kysely's own driver prepares every query anew, which costs more than running it), the connection is
 * guarded by a ConnectionLock that the hot path's statements share (hot-path.ts), and transactions begin
 * IMMEDIATE.
 */
export class CachedSqliteDialect implements Dialect {
  constructor(
    private readonly sqlite: BetterSqlite3.Database,
    private readonly lock: ConnectionLock,
  ) {}

  createDriver(): Driver {
    return new LockedSqliteDriver(new CachedSqliteConnection(this.sqlite), this.lock, this.sqlite);
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

class LockedSqliteDriver implements Driver {
  constructor(
    private readonly connection: CachedSqliteConnection,
    private readonly lock: ConnectionLock,
    private readonly sqlite: BetterSqlite3.Database,
  ) {}

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.lock.acquire();
    return this.connection;
  }

  async releaseConnection(): Promise<void> {
    this.lock.release();
  }

  /**
   * BEGIN IMMEDIATE: with another process writing the same file (--workers, the CLI while serving), a
   * deferred transaction that reads and then writes fails with SQLITE_BUSY_SNAPSHOT if the other committed
   * in between; an immediate one takes the write lock first, waiting up to busy_timeout.
   */
  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async destroy(): Promise<void> {
    this.sqlite.close();
  }
}

export class CachedSqliteConnection implements DatabaseConnection {
  readonly #statements = new Map<string, BetterSqlite3.Statement>();

  constructor(private readonly sqlite: BetterSqlite3.Database) {}

  /** How many prepared statements are kept (tests). */
  get cachedStatements(): number {
    return this.#statements.size;
  }

  #prepare(sql: string): BetterSqlite3.Statement {
    if (sql.length > CACHEABLE_SQL_LENGTH) return this.sqlite.prepare(sql);
    let statement = this.#statements.get(sql);
    if (statement) {
      // Least recently used goes first: re-inserting moves this one to the end of the Map's order.
      this.#statements.delete(sql);
    } else {
      statement = this.sqlite.prepare(sql);
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) this.#statements.delete(this.#statements.keys().next().value!);
    }
    this.#statements.set(sql, statement);
    return statement;
  }

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const statement = this.#prepare(compiledQuery.sql);
    const parameters = compiledQuery.parameters as unknown[];
    if (statement.reader) return Promise.resolve({ rows: statement.all(parameters) as R[] });
    const { changes, lastInsertRowid } = statement.run(parameters);
    return Promise.resolve({
      numAffectedRows: BigInt(changes),
      insertId: lastInsertRowid === undefined || lastInsertRowid === null ? undefined : BigInt(lastInsertRowid),
      rows: [],
    });
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiledQuery.query)) throw new Error('SQLite streams select queries only');
    // A statement being iterated cannot run anything else: streams get one of their own.
    const statement = this.sqlite.prepare(compiledQuery.sql);
    for (const row of statement.iterate(compiledQuery.parameters as unknown[])) yield { rows: [row as R] };
  }
}
