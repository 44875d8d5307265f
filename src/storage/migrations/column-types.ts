import type { ColumnDefinitionBuilder } from 'kysely';

/** What the migrations' columns are on each backend; every other column type is the same on both. */
export interface ColumnTypes {
  /** Unix seconds and counters: SQLite's integer is 64-bit already, PostgreSQL's is not. */
  readonly int64: 'integer' | 'bigint';
  /** A 0/1 flag. */
  readonly flag: 'integer' | 'smallint';
  /** An auto-numbered primary key: its type, and what makes it one. */
  readonly serial: 'integer' | 'bigserial';
  serialKey(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
}

export const SQLITE_COLUMN_TYPES: ColumnTypes = {
  int64: 'integer',
  flag: 'integer',
  serial: 'integer',
  serialKey: (c) => c.primaryKey().autoIncrement(),
};

export const POSTGRES_COLUMN_TYPES: ColumnTypes = {
  int64: 'bigint',
  flag: 'smallint',
  serial: 'bigserial',
  serialKey: (c) => c.primaryKey(),
};
