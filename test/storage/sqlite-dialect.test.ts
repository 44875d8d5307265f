import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { CachedSqliteConnection, CachedSqliteDialect } from '../../src/storage/sqlite/dialect.js';
import { ConnectionLock } from '../../src/storage/sqlite/connection-lock.js';

describe('SQLite dialect › prepared statement cache', () => {
  const open = () => {
    const sqlite = new BetterSqlite3(':memory:');
    sqlite.exec('create table t (a integer, b text)');
    return { sqlite, connection: new CachedSqliteConnection(sqlite) };
  };

  it('reuses the statement of a repeated query, and the results stay right', async () => {
    const { sqlite, connection } = open();
    for (let i = 0; i < 5; i++) await connection.executeQuery(CompiledQuery.raw('insert into t values (?, ?)', [i, `v${i}`]));
    const res = await connection.executeQuery(CompiledQuery.raw('select a, b from t where a >= ? order by a', [3]));
    expect(res.rows).toEqual([{ a: 3, b: 'v3' }, { a: 4, b: 'v4' }]);
    expect(connection.cachedStatements).toBe(2);
    sqlite.close();
  });

  it('multi-row inserts of every size are not kept: memory stays bounded however many sizes run', async () => {
    const { sqlite, connection } = open();
    // 300 to 400 rows: one SQL text per size, each too long to keep.
    for (let rows = 300; rows <= 400; rows++) {
      const sql = `insert into t values ${Array.from({ length: rows }, () => '(?, ?)').join(', ')}`;
      await connection.executeQuery(CompiledQuery.raw(sql, Array.from({ length: rows }, (_, i) => [i, 'x']).flat()));
    }
    expect((await connection.executeQuery(CompiledQuery.raw('select count(*) as n from t'))).rows).toEqual([{ n: (400 * 401) / 2 - (299 * 300) / 2 }]);
    expect(connection.cachedStatements).toBe(1); // the count query only

    sqlite.close();
  });
});
