/**
 * Errors that mean "the database cannot serve this now" rather than "this request is wrong": the caller
 * answers 503 temporarily_unavailable with Retry-After, and the client retries (RFC 7009 §2.2.1).
 */
const SQLITE_TRANSIENT = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|CANTOPEN|READONLY|PROTOCOL|NOMEM)/;
const PG_TRANSIENT_CLASSES = ['08', '53', '57', '58']; // connection, resources, operator intervention, system
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);

export function isStorageUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (SQLITE_TRANSIENT.test(code) || NET_CODES.has(code)) return true;
    if (/^[0-9A-Z]{5}$/.test(code) && PG_TRANSIENT_CLASSES.includes(code.slice(0, 2))) return true;
    if (code === '40001' || code === '40P01') return true; // serialization failure / deadlock: retryable
  }
  const message = (err as { message?: unknown }).message;
  // The last two: a store already closed (shutdown past its drain cap) is unavailable, not broken.
  if (
    typeof message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect|database is locked|database connection is not open|Cannot use a pool after calling end/i.test(message)
  ) {
    return true;
  }
  const cause = (err as { cause?: unknown }).cause;
  return cause !== undefined && cause !== err && isStorageUnavailable(cause);
}
