import BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { CompiledQueries } from '../../src/storage/compiled-queries.js';
import type { Database } from '../../src/storage/schema.js';
import { ConnectionLock } from '../../src/storage/sqlite/connection-lock.js';
import { CachedSqliteDialect } from '../../src/storage/sqlite/dialect.js';

interface T {
  t: { owner: string; n: number };
}

const open = () => {
  const sqlite = new BetterSqlite3(':memory:');
  sqlite.exec('create table t (owner text, n integer)');
  const insert = sqlite.prepare('insert into t values (?, ?)');
  for (const owner of ['alice', 'bob']) for (let n = 0; n < 5; n++) insert.run(owner, n);
  const db = new Kysely<T>({ dialect: new CachedSqliteDialect(sqlite, new ConnectionLock()) });
  return { sqlite, db, queries: (max?: number) => new CompiledQueries(db as unknown as Kysely<Database>, max) };
};

const page = (db: Kysely<T>, owner: string, min: number, limit: number) =>
  db.selectFrom('t').select('n').where('owner', '=', owner).where('n', '>=', min).orderBy('n').limit(limit);

describe('compiled queries › a shape compiled once runs with each call’s own values', () => {
  it('the second caller of a shape gets its own rows, not the first caller’s', async () => {
    const { sqlite, db, queries } = open();
    const q = queries();
    const run = (owner: string, min: number) => q.rows('page 3', [owner, min], ([o, m]) => page(db, o!, m as unknown as number, 3));
    expect(await run('alice', 0)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
    expect(await run('bob', 2)).toEqual([{ n: 2 }, { n: 3 }, { n: 4 }]);
    expect(await run('carol', 0)).toEqual([]);
    sqlite.close();
  });

  it('concurrent calls with different values each get their own answer', async () => {
    const { sqlite, db, queries } = open();
    const q = queries();
    const owners = ['alice', 'bob', 'carol', 'alice', 'bob'];
    const pages = await Promise.all(owners.map((o, i) => q.rows('page 5', [o, i], ([ow, m]) => page(db, ow!, m as unknown as number, 5))));
    expect(pages.map((rows) => rows.map((r) => r.n))).toEqual([[0, 1, 2, 3, 4], [1, 2, 3, 4], [], [3, 4], [4]]);
    sqlite.close();
  });

  it('a value that looks like SQL stays a value', async () => {
    const { sqlite, db, queries } = open();
    const rows = await queries().rows('page 5', ["alice' or '1'='1", 0], ([o, m]) => page(db, o!, m as unknown as number, 5));
    expect(rows).toEqual([]);
    sqlite.close();
  });

  it('past its bound the cache starts over, and every shape still answers with its own bounds', async () => {
    const { sqlite, db, queries } = open();
    const q = queries(2);
    for (let round = 0; round < 2; round++) {
      for (const limit of [1, 2, 3, 4]) {
        const rows = await q.rows(`page ${limit}`, ['bob', 0], ([o, m]) => page(db, o!, m as unknown as number, limit));
        expect(rows.map((r) => r.n)).toEqual([0, 1, 2, 3].slice(0, limit));
      }
    }
    sqlite.close();
  });
});
