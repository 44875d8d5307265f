import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, freePort, startServe, type ServeProcess } from '../helpers/cli.js';

interface Created {
  client_id: string;
  client_secret: string;
}

/** A token request on a fresh connection each time (so a cluster spreads them over its workers). */
function tokenRequest(base: string, c: Created): Promise<number> {
  const u = new URL(`${base}/oauth/token`);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent: new Agent({ keepAlive: false }), headers: {
        authorization: 'Basic ' + Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64'),
        'content-type': 'application/x-www-form-urlencoded',
      } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end('grant_type=client_credentials');
  });
}

const issued = (text: string) => Number(/^mypos_auth_tokens_issued_total\{grant_type="client_credentials",environment="sandbox"\} (\d+)$/m.exec(text)?.[1] ?? NaN);

describe('serve › /metrics on a management listener of its own, off the public listeners', () => {
  let dir: string;
  let db: string;
  let c: Created;
  let metricsPort: number;
  let server: ServeProcess;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mypos-auth-metrics-'));
    db = `sqlite:${join(dir, 'm.db')}`;
    await cli(['migrate', '--db', db]);
    c = JSON.parse(await cli(['clients', 'create', '--db', db, '--environment', 'sandbox', '--json']));
    metricsPort = await freePort();
    server = await startServe(['--db', db, '--log-level', 'trace', '--metrics-port', String(metricsPort)]);
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('the start-up output names the metrics URL', () => {
    expect(server.output()).toContain(`Metrics (management listener): http://127.0.0.1:${metricsPort}/metrics`);
  });

  it('GET /metrics on the management port: 200, Prometheus text, counting what the public listener did', async () => {
    for (let i = 0; i < 3; i++) expect(await tokenRequest(server.urls.sandbox, c)).toBe(200);
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(issued(await res.text())).toBe(3);
  });

  it('/metrics is not served on either public listener; /healthz and /readyz stay there', async () => {
    for (const base of [server.urls.sandbox, server.urls.production]) {
      expect((await fetch(`${base}/metrics`)).status).toBe(404);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
    }
  });

  it('the management listener serves /metrics only: other paths 404, other methods 405', async () => {
    expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/oauth/token`, { method: 'POST' })).status).toBe(404);
    const post = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('--metrics-host binds the management listener to that interface only', async () => {
    const port = await freePort();
    const s = await startServe(['--db', db, '--log-level', 'warn', '--metrics-port', String(port), '--metrics-host', '127.0.0.2']);
    try {
      expect((await fetch(`http://127.0.0.2:${port}/metrics`)).status).toBe(200);
      await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow();
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  });

  it('--metrics-port 0: no management listener and no metrics line', async () => {
    const s = await startServe(['--db', db, '--log-level', 'warn', '--metrics-port', '0']);
    try {
      expect(s.output()).not.toContain('Metrics');
      expect((await fetch(`${s.urls.sandbox}/metrics`)).status).toBe(404);
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  });
});

describe('serve --workers 2 › one scrape sums every worker (prom-client cluster aggregation)', () => {
  let dir: string;
  let server: ServeProcess;
  let c: Created;
  let metricsPort: number;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mypos-auth-metrics-workers-'));
    const db = `sqlite:${join(dir, 'w.db')}`;
    await cli(['migrate', '--db', db]);
    c = JSON.parse(await cli(['clients', 'create', '--db', db, '--environment', 'sandbox', '--json']));
    metricsPort = await freePort();
    server = await startServe(['--db', db, '--log-level', 'warn', '--workers', '2', '--metrics-port', String(metricsPort)]);
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('20 tokens over 20 connections (spread over both workers): every scrape reports 20, not one worker\'s share', async () => {
    for (let i = 0; i < 20; i++) expect(await tokenRequest(server.urls.sandbox, c)).toBe(200);
    for (let scrape = 0; scrape < 3; scrape++) {
      const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(res.status).toBe(200);
      expect(issued(await res.text())).toBe(20);
    }
  });

  it('each request carries a distinct random id across workers (no per-process counter repeating req-1)', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${server.urls.sandbox}/healthz`, { headers: { connection: 'close' } });
      ids.add(res.headers.get('x-request-id') ?? '');
    }
    expect(ids.size).toBe(10);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
