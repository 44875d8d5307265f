import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../helpers/backends.js';

/**
 * The schema the migrations leave, as text: the snapshots were taken from a database migrated by the
 * migrations as first shipped (one file list per backend), so a database migrated by any release has these
 * migration names and this schema, and the current code finds nothing to do on it.
 */
async function schemaOf(backend: 'sqlite' | 'postgres', url: string): Promise<string> {
  if (backend === 'sqlite') {
    const db = new BetterSqlite3(url.slice('sqlite:'.length), { readonly: true });
    try {
      const objects = db.prepare("select type, name, sql from sqlite_master where name not like 'sqlite_%' order by type, name").all() as Array<Record<string, unknown>>;
      const names = db.prepare('select name from kysely_migration order by name').all() as Array<{ name: string }>;
      return [...names.map((n) => `migration ${n.name}`), ...objects.map((o) => `${o.type} ${o.name}: ${o.sql}`)].join('\n') + '\n';
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const lines: string[] = [];
    const names = await client.query<{ name: string }>('select name from kysely_migration order by name');
    lines.push(...names.rows.map((n) => `migration ${n.name}`));
    const columns = await client.query(
      `select table_name, column_name, data_type, is_nullable, column_default from information_schema.columns
        where table_schema = 'public' order by table_name, ordinal_position`,
    );
    lines.push(...columns.rows.map((c) => `column ${c.table_name}.${c.column_name}: ${c.data_type} nullable=${c.is_nullable} default=${c.column_default}`));
    const constraints = await client.query(
      `select conrelid::regclass::text as table_name, conname, pg_get_constraintdef(oid) as def from pg_constraint
        where connamespace = 'public'::regnamespace order by 1, 2`,
    );
    lines.push(...constraints.rows.map((c) => `constraint ${c.table_name}.${c.conname}: ${c.def}`));
    const indexes = await client.query("select indexname, indexdef from pg_indexes where schemaname = 'public' order by indexname");
    lines.push(...indexes.rows.map((i) => `index ${i.indexname}: ${i.indexdef}`));
    return lines.join('\n') + '\n';
  } finally {
    await client.end();
  }
}

for (const backend of BACKENDS) {
  describe(`migrations (${backend.name})`, () => {
    let url: string;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ url, cleanup } = await backend.create());
    });
    afterAll(() => cleanup());

    it('keep every migration name and the schema of a database migrated by earlier releases', async () => {
      await expect(await schemaOf(backend.name, url)).toMatchFileSnapshot(`./__snapshots__/schema.${backend.name}.txt`);
    });
  });
}
