import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, startServe } from '../helpers/cli.js';

/**
 * Resource exhaustion: slowloris sockets, thousands of idle keep-alive connections and a flood of
 * wrong secrets over many client ids and source addresses, all at once, while a healthy client keeps
 * asking for tokens. The healthy client must keep getting 200s and the server's memory must stay bounded.
 * Latency figures are printed, not asserted (EXHAUSTION_IDLE raises the idle connection count; 10000 on demand).
 */
const IDLE = Number(process.env.EXHAUSTION_IDLE ?? 2000);
const SLOW = 200;

function post(url: string, auth: string, localAddress: string, agent?: Agent): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(`${url}/oauth/token`, { method: 'POST', localAddress, agent, headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started }));
    });
    req.on('error', () => resolve({ status: -1, ms: performance.now() - started }));
    req.end('grant_type=client_credentials');
  });
}

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? NaN;
const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);

describe('resource exhaustion › attacks at once, a healthy client keeps being served', () => {
  it(`${SLOW} slowloris sockets + ${IDLE} idle keep-alive connections + a wrong-secret flood from many ids and addresses`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mypos-auth-dos-'));
    const db = `sqlite:${join(dir, 'd.db')}`;
    const sockets: Socket[] = [];
    const server = await startServe(['--db', db, '--log-level', 'trace']);
    try {
      const c = JSON.parse(await cli(['clients', 'create', '--db', db, '--environment', 'sandbox', '--json']));
      const auth = 'Basic ' + Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64');
      const healthy = new Agent({ keepAlive: true, maxSockets: 4 });
      const measure = async (n: number) => {
        const out: Array<{ status: number; ms: number }> = [];
        for (let i = 0; i < n; i += 4) out.push(...(await Promise.all(Array.from({ length: 4 }, () => post(server.urls.sandbox, auth, '127.0.0.2', healthy)))));
        return out;
      };
      const before = await measure(100);
      const rssBefore = rssKb(server.child.pid!);
      const u = new URL(server.urls.sandbox);

      // Idle keep-alive connections: connected, never sending.
      for (let i = 0; i < IDLE; i++) {
        const s = connect({ port: Number(u.port), host: u.hostname, localAddress: `127.0.1.${1 + (i % 250)}` });
        s.on('error', () => {});
        sockets.push(s);
      }
      // Slowloris: headers dribbled a byte every 500 ms.
      const slowTimer = setInterval(() => {
        for (const s of sockets.slice(0, SLOW)) if (!s.destroyed) s.write('X');
      }, 500);
      for (const s of sockets.slice(0, SLOW)) s.write('POST /oauth/token HTTP/1.1\r\nHost: x\r\nX-Slow: ');
      // Credential stuffing: random client ids and wrong secrets from 40 addresses.
      let stop = false;
      const flood = Array.from({ length: 8 }, async (_, w) => {
        let n = 0;
        while (!stop) {
          const id = `Flood${w}${String(n++).padStart(19, '0')}`.slice(0, 24);
          await post(server.urls.sandbox, 'Basic ' + Buffer.from(`${id}:wrong`).toString('base64'), `127.0.2.${1 + ((w * 5 + n) % 40)}`);
        }
      });
      const during = await measure(200);
      stop = true;
      clearInterval(slowTimer);
      await Promise.all(flood);
      const rssDuring = rssKb(server.child.pid!);
      healthy.destroy();

      console.log(
        `[exhaustion] healthy p99 before ${p99(before.map((r) => r.ms)).toFixed(1)} ms, during ${p99(during.map((r) => r.ms)).toFixed(1)} ms; ` +
          `RSS ${Math.round(rssBefore / 1024)} → ${Math.round(rssDuring / 1024)} MiB with ${IDLE} idle + ${SLOW} slow sockets`,
      );
      expect(before.every((r) => r.status === 200)).toBe(true);
      expect(during.every((r) => r.status === 200)).toBe(true);
      // Bounded memory: idle sockets cost kilobytes each, not megabytes.
      expect(rssDuring - rssBefore).toBeLessThan(256 * 1024);
    } finally {
      for (const s of sockets) s.destroy();
      server.child.kill('SIGTERM');
      await server.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
