import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where one `npm test` run keeps every captured server log line and every credential the tests used, for
 * the scan at the end of the run (global-setup.ts). The global setup creates the directory and exports it
 * in this variable; worker processes and the `serve` children they spawn inherit it.
 */
export const RUN_DIR_ENV = 'MYPOS_TEST_LOG_DIR';

/** Captured output: one file per test file and process for in-process servers, per stream for `serve`. */
export const LOGS = 'logs';
/** Credentials the tests sent or received, one JSON line each: the scan looks for each exact value. */
export const VALUES = 'values';

/** The run directory's subfolder, or undefined outside a run that set one up (then nothing is captured). */
export function runSubdir(name: typeof LOGS | typeof VALUES): string | undefined {
  const root = process.env[RUN_DIR_ENV];
  if (!root) return undefined;
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
