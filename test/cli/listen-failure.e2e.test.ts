import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureChildOutput } from '../log-safety/log-capture.js';
import { CLI, freePort } from '../helpers/cli.js';

function serve(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', '--log-level', 'trace', ...args]);
    captureChildOutput(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('serve › a port already taken: no "listening" line, one line naming the port, exit non-zero', () => {
  let dir: string;
  let taken: Server;
  let port: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mypos-auth-taken-'));
    taken = await new Promise<Server>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => resolve(s));
    });
    port = (taken.address() as { port: number }).port;
  });
  afterAll(() => {
    taken.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('only the production port taken: the sandbox never announces itself, and the process exits 1 by itself', async () => {
    const r = await serve(['--db', `sqlite:${join(dir, 'a.db')}`, '--sandbox-port', '0', '--production-port', String(port), '--metrics-port', '0']);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/listening/i);
    expect(r.stderr).toBe(`mypos-auth: Cannot start: cannot listen on 127.0.0.1:${port} (production): the port is already in use\n`);
  });

  it('only the sandbox port taken: the same, naming the sandbox', async () => {
    const r = await serve(['--db', `sqlite:${join(dir, 'a.db')}`, '--sandbox-port', String(port), '--production-port', '0', '--metrics-port', '0']);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/listening/i);
    expect(r.stderr).toBe(`mypos-auth: Cannot start: cannot listen on 127.0.0.1:${port} (sandbox): the port is already in use\n`);
  });

  it('the metrics port taken: no "listening" line, the public listeners closed again, one line naming the metrics listener', async () => {
    const [sandbox, production] = [await freePort(), await freePort()];
    const r = await serve(['--db', `sqlite:${join(dir, 'a.db')}`, '--sandbox-port', String(sandbox), '--production-port', String(production), '--metrics-port', String(port)]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/listening/i);
    expect(r.stderr).toBe(`mypos-auth: Cannot start: cannot listen on 127.0.0.1:${port} (metrics): the port is already in use\n`);
  });
});
