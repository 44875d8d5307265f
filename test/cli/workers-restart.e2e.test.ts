import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startServe } from '../helpers/cli.js';
import { captureChildOutput } from '../log-safety/log-capture.js';

describe('serve --workers › workers that cannot start are restarted with a growing delay, then the primary gives up', () => {
  let dir: string;
  let blocker: Server;
  let takenPort: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mypos-auth-restart-'));
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    takenPort = (blocker.address() as { port: number }).port;
  });
  afterAll(() => {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sandbox port taken: a few restarts with growing delays, a clear message, exit code 1', async () => {
    const child = spawn(process.execPath, [
      CLI, 'serve', '--db', `sqlite:${join(dir, 'auth.db')}`, '--workers', '2',
      '--host', '127.0.0.1', '--sandbox-port', String(takenPort), '--production-port', '0', '--metrics-port', '0',
    ]);
    captureChildOutput(child);
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));

    expect(code).toBe(1);
    expect(err).toMatch(/giving up/);
    const delays = [...err.matchAll(/starting another in (\d+) ms/g)].map((m) => Number(m[1]));
    expect(delays.length).toBeGreaterThanOrEqual(3);
    expect(delays.length).toBeLessThanOrEqual(6);
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThan(delays[i - 1]!);
  }, 60_000);

  it('a fresh SQLite database: the primary migrates once, so no worker fails racing another to create the tables', async () => {
    const server = await startServe(['--db', `sqlite:${join(dir, 'fresh', 'auth.db')}`, '--workers', '2']);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).not.toMatch(/exited|Cannot start|already exists/);
  }, 60_000);
});
