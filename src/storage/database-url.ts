/** The database URL forms the server and the CLI accept, and the errors of opening one. */

type DatabaseLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

export const DATABASE_URL_FORMS = 'sqlite:PATH (e.g. sqlite:./data/mypos-auth.db), postgres://… or postgresql://…';

/** A database URL of a form we do not serve. The message never repeats the URL, which may hold a password. */
export class DatabaseUrlError extends Error {}

/** A database that cannot be opened for an expected reason (missing, not a database, unreachable); names where. */
export class DatabaseOpenError extends Error {}

/**
 * `sqlite:PATH` or `postgres://` / `postgresql://`, nothing else: a bare path or another scheme (`mysql://…`) would
 * otherwise be taken for a SQLite file name and created as one.
 */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return { kind: 'postgres', url };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '') throw new DatabaseUrlError(`the sqlite: database URL needs a path; use ${DATABASE_URL_FORMS}`);
    return { kind: 'sqlite', path };
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)?.[1];
  if (scheme !== undefined && scheme.length > 1) {
    throw new DatabaseUrlError(`unsupported database URL scheme "${scheme}:"; use ${DATABASE_URL_FORMS}`);
  }
  throw new DatabaseUrlError(`"${url}" is not a database URL; use ${DATABASE_URL_FORMS} (for this file: sqlite:${url})`);
}

/** `postgres://user:…@host:port/db` without the password, to name a database in a message. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'the PostgreSQL URL given';
  }
}
