import { ConfigError } from '../config.js';
import { ServerKeyError } from '../server-key.js';
import { DatabaseOpenError, DatabaseUrlError } from '../storage/database-url.js';
import { UnmigratedDatabaseError } from '../storage/migrate.js';

/** A user-facing CLI failure: printed without a stack, exit code 1. */
export class CliError extends Error {}

/**
 * Failures an operator causes and can fix (a wrong flag, a missing or foreign database, an unreachable server):
 * printed as one line naming what and where. Anything else is a bug and keeps its stack.
 */
export function isExpectedFailure(err: unknown): err is Error {
  return (
    err instanceof CliError ||
    err instanceof ConfigError ||
    err instanceof DatabaseUrlError ||
    err instanceof DatabaseOpenError ||
    err instanceof UnmigratedDatabaseError ||
    err instanceof ServerKeyError
  );
}
