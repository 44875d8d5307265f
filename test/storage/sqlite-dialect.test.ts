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

describe('SQLite dialect › LIMIT and OFFSET', () => {
  const open = () => {
    const sqlite = new BetterSqlite3(':memory:');
    sqlite.exec('create table t (a integer, b text)');
    for (let i = 0; i < 10; i++) sqlite.prepare('insert into t values (?, ?)').run(i, `v${i}`);
    return { sqlite, db: new Kysely<{ t: { a: number; b: string } }>({ dialect: new CachedSqliteDialect(sqlite, new ConnectionLock()) }) };
  };

  it('integer page bounds are written into the SQL (a bound LIMIT re-prepares on every run) and give the right page', async () => {
    const { sqlite, db } = open();
    const page = db.selectFrom('t').select('a').orderBy('a').limit(3).offset(4);
    expect(page.compile().sql).toMatch(/limit 3 offset 4$/);
    expect((await page.execute()).map((r) => r.a)).toEqual([4, 5, 6]);
    expect((await db.selectFrom('t').select('a').orderBy('a').limit(2).offset(8).execute()).map((r) => r.a)).toEqual([8, 9]);
    await db.destroy();
    sqlite.close();
  });

  it('anything but a safe integer is still bound, never spliced into the SQL', async () => {
    const { sqlite, db } = open();
    const hostile = '1 union select 99, 99' as unknown as number;
    const q = db.selectFrom('t').select('a').limit(hostile).offset(1.5);
    expect(q.compile().sql).toMatch(/limit \? offset \?$/);
    expect(q.compile().parameters).toEqual([hostile, 1.5]);
    await db.destroy();
    sqlite.close();
  });
});
