import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSubdir, VALUES } from './run-dir.js';

/**
 * Shorter values are left out: the scan looks for each value as a substring of every log line, and a short
 * one ("abc", a fuzzed "x") would match ordinary text. Every real secret, token and test password is longer.
 */
export const MIN_RECORDED_LENGTH = 8;

const seen = new Set<string>();

/**
 * Notes a credential a test sent to or received from a server (a password, a secret, a token, a cookie), so
 * the end-of-run scan fails if that exact value shows up in any captured log. Synchronous, so a value is on
 * disk before the request that carries it is even sent.
 */
export function recordSecret(kind: string, value: unknown): void {
  if (typeof value !== 'string' || value.trim().length < MIN_RECORDED_LENGTH || seen.has(value)) return;
  const dir = runSubdir(VALUES);
  if (!dir) return;
  seen.add(value);
  appendFileSync(join(dir, `${process.pid}.jsonl`), JSON.stringify({ kind, value }) + '\n');
}
