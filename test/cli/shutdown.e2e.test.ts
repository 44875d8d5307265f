import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, startServe } from '../helpers/cli.js';

/** One POST on a keep-alive agent; resolves with the status (and whether the server asked to close) or the socket error code. */
function post(url: string, agent: Agent, auth: string): Promise<{ outcome: number | string; closing: boolean }> {
  return new Promise((resolve) => {
    const req = request(`${url}/oauth/token`, { method: 'POST', agent, headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ outcome: res.statusCode ?? 0, closing: res.headers.connection === 'close' }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ outcome: e.code ?? e.message, closing: true }));
    req.end('grant_type=client_credentials');
  });
}

describe('serve › graceful shutdown under load', () => {
  for (const workers of [1, 2]) {
    it(`SIGTERM while keep-alive clients hammer the token endpoint (${workers} worker${workers > 1 ? 's' : ''}): no request is reset, none fails with 5xx other than 503, exit 0`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'mypos-auth-drain-'));
      const db = `sqlite:${join(dir, 'd.db')}`;
      try {
        await cli(['migrate', '--db', db]);
        const c = JSON.parse(await cli(['clients', 'create', '--db', db, '--environment', 'sandbox', '--json']));
        const auth = 'Basic ' + Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64');
        const server = await startServe(['--db', db, '--log-level', 'trace', '--workers', String(workers)]);
        const agent = new Agent({ keepAlive: true, maxSockets: 16 });
        const outcomes: Array<number | string> = [];
        let stop = false;
        const loops = Array.from({ length: 16 }, async () => {
          while (!stop) {
            const r = await post(server.urls.sandbox, agent, auth);
            outcomes.push(r.outcome);
            // Like a load balancer draining this node: once told `Connection: close` (or refused), go elsewhere.
            if (r.closing) return;
          }
        });
        await new Promise((r) => setTimeout(r, 700));
        server.child.kill('SIGTERM');
        const code = await server.exited;
        stop = true;
        await Promise.all(loops);
        agent.destroy();

        expect(code).toBe(0);
        const ok = outcomes.filter((o) => o === 200).length;
        expect(ok).toBeGreaterThan(10);
        const bad = outcomes.filter((o) => o !== 200 && o !== 503 && o !== 'ECONNREFUSED');
        expect(bad).toEqual([]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
