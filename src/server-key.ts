import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { decodeServerKey } from './config.js';

/**
 * The key every secret and token digest is made with. Given by config in production (all nodes share it);
 * for the embedded default it is generated once and kept beside the SQLite database, so a restart keeps
 * every client and token valid. It is never generated at boot when one exists: that would orphan every
 * stored digest.
 */
export function loadServerKey(
  configured: string | undefined,
  sqlitePath: string | undefined,
  options: { create?: boolean } = {},
): Buffer {
  if (configured !== undefined) {
    const key = decodeServerKey(configured);
    if (!key) throw new ServerKeyError('the server key must be at least 32 bytes, hex or base64 encoded');
    return key;
  }
  if (sqlitePath === undefined) {
    throw new ServerKeyError(
      'a PostgreSQL deployment needs a server key shared by every node: set MYPOS_AUTH_SERVER_KEY or give --server-key-file PATH (64 hex characters)',
    );
  }
  if (sqlitePath === ':memory:') return randomBytes(32);
  const file = join(dirname(resolve(sqlitePath)), 'server.key');
  if (existsSync(file)) {
    const key = decodeServerKey(readFileSync(file, 'utf8'));
    if (!key) throw new ServerKeyError(`${file} does not hold a valid server key`);
    return key;
  }
  if (!(options.create ?? true)) {
    throw new ServerKeyError(`no server key: ${file} does not exist; set MYPOS_AUTH_SERVER_KEY or give --server-key-file PATH`);
  }
  mkdirSync(dirname(file), { recursive: true });
  // 'wx' fails if another process created it first; then read theirs.
  try {
    writeFileSync(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return decodeServerKey(readFileSync(file, 'utf8'))!;
}

/** A server key that is missing or malformed: an operator's mistake, reported in one line. */
export class ServerKeyError extends Error {}
