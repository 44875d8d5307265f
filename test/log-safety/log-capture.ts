import type { ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import pino, { type Logger } from 'pino';
import { expect } from 'vitest';
import { createLogger } from '../../src/http/logger.js';
import { LOGS, runSubdir } from './run-dir.js';

/**
 * Trace, the most verbose level: the scan should see everything the server could ever write, including
 * what operators only turn on while debugging.
 */
export const CAPTURE_LEVEL = 'trace';

/** A file name that says which test file (and which process) wrote it. */
function logFile(dir: string, suffix: string): string {
  const testPath = expect.getState().testPath;
  const from = testPath ? relative(process.cwd(), testPath).replace(/[\\/]/g, '__') : 'unknown-test';
  return join(dir, `${from}.${process.pid}.${suffix}.log`);
}

const destinations = new Map<string, pino.DestinationStream>();

/**
 * The real server logger (createLogger, with its redaction), writing into the run directory at trace, or at
 * `level` for a suite that tests what a level lets through. `also` receives the same lines, for a suite that
 * reads its own log. Outside a run with a log directory it returns the `also` logger, or none, as before.
 */
export function captureLogger(also?: pino.DestinationStream, level = CAPTURE_LEVEL): Logger | undefined {
  const dir = runSubdir(LOGS);
  if (!dir) return also ? createLogger(level, also) : undefined;
  const file = logFile(dir, 'inprocess');
  // Synchronous writes: a line logged just before a test fails or a worker exits is still on disk.
  let dest = destinations.get(file);
  if (!dest) destinations.set(file, (dest = pino.destination({ dest: file, sync: true, append: true })));
  const streams = [{ level, stream: dest }, ...(also ? [{ level, stream: also }] : [])];
  return createLogger(level, pino.multistream(streams));
}

/** Tees a `serve` child's stdout and stderr into the run directory, one file per stream. */
export function captureChildOutput(child: ChildProcess): void {
  const dir = runSubdir(LOGS);
  if (!dir) return;
  const base = `serve-${child.pid}`;
  const out = logFile(dir, `${base}.stdout`);
  const err = logFile(dir, `${base}.stderr`);
  child.stdout?.on('data', (d: Buffer) => appendFileSync(out, d));
  child.stderr?.on('data', (d: Buffer) => appendFileSync(err, d));
}
