import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, startServe, type ServeProcess } from '../helpers/cli.js';

const execFileP = promisify(execFile);

interface Created {
  client_id: string;
  client_secret: string;
  environment: string;
  scope: string;
}

/** The myPOS docs' curl example, run with the real curl binary. */
async function curlToken(base: string, id: string, secret: string, sep: string): Promise<{ status: number; body: any }> {
  const auth = Buffer.from(`${id}${sep}${secret}`).toString('base64');
  const { stdout } = await execFileP('curl', [
    '-s', '-w', '\n%{http_code}', '-X', 'POST', `${base}/oauth/token`,
    '-H', `Authorization: Basic ${auth}`,
    '-H', 'Content-Type: application/x-www-form-urlencoded',
    '-d', 'grant_type=client_credentials',
  ]);
  const lines = stdout.trimEnd().split('\n');
  const status = Number(lines.pop());
  return { status, body: JSON.parse(lines.join('\n')) };
}

const form = (base: string, path: string, body: string, id: string, secret: string) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64') },
    body,
  });

/** Sends raw bytes on a fresh socket and returns the status line's code. */
function rawStatus(url: string, request: string | ((send: (s: string) => boolean) => void)): Promise<number> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(u.port), u.hostname);
    let data = '';
    sock.on('data', (d) => {
      data += d;
      const m = /^HTTP\/1\.1 (\d{3})/.exec(data);
      if (m) {
        resolve(Number(m[1]));
        sock.destroy();
      }
    });
    sock.on('error', (e) => (data ? undefined : reject(e)));
    sock.on('connect', () => (typeof request === 'string' ? sock.write(request) : request((s) => sock.write(s))));
  });
}

describe('serve › end to end over real sockets (CLI, SQLite)', () => {
  let dir: string;
  let db: string;
  let server: ServeProcess;
  let created: Created;
  const issued: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mypos-auth-e2e-'));
    db = `sqlite:${join(dir, 'auth.db')}`;
    await cli(['migrate', '--db', db]);
    created = JSON.parse(await cli(['clients', 'create', '--db', db, '--environment', 'sandbox', '--name', 'e2e', '--scope', 'webhooks transactions', '--json']));
    server = await startServe(['--db', db, '--log-level', 'trace']);
  });
  afterAll(async () => {
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('clients create --json prints the credential in myPOS formats', () => {
    expect(created.client_id).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(created.client_secret).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(created).toMatchObject({ environment: 'sandbox', scope: 'webhooks transactions' });
  });

  it('myPOS docs: the curl example with a colon and with a semicolon both get a token', async () => {
    for (const sep of [':', ';']) {
      const res = await curlToken(server.urls.sandbox, created.client_id, created.client_secret, sep);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'webhooks transactions' });
      issued.push(res.body.access_token);
    }
  });

  it('the sandbox credential is refused by the production listener', async () => {
    const res = await curlToken(server.urls.production, created.client_id, created.client_secret, ':');
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });

  it('introspect, revoke, introspect: the revoked token is dead at once', async () => {
    const tok = issued[0]!;
    const before = await (await form(server.urls.sandbox, '/oauth/introspect', `token=${tok}`, created.client_id, created.client_secret)).json();
    expect(before).toMatchObject({ active: true, client_id: created.client_id });
    const rev = await form(server.urls.sandbox, '/oauth/revoke', `token=${tok}`, created.client_id, created.client_secret);
    expect(rev.status).toBe(200);
    expect(await rev.text()).toBe('');
    const after = await (await form(server.urls.sandbox, '/oauth/introspect', `token=${tok}`, created.client_id, created.client_secret)).json();
    expect(after).toEqual({ active: false });
  });

  it('50 parallel token requests give 50 distinct, valid tokens', async () => {
    const tokens = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const res = await form(server.urls.sandbox, '/oauth/token', 'grant_type=client_credentials', created.client_id, created.client_secret);
        expect(res.status).toBe(200);
        return ((await res.json()) as { access_token: string }).access_token;
      }),
    );
    expect(new Set(tokens).size).toBe(50);
    const states = await Promise.all(
      tokens.map(async (t) => ((await (await form(server.urls.sandbox, '/oauth/introspect', `token=${t}`, created.client_id, created.client_secret)).json()) as { active: boolean }).active),
    );
    expect(states.every(Boolean)).toBe(true);
    issued.push(tokens[0]!);
  });

  it('a client created by the CLI while serve runs works at once; rotate and delete take effect at once', async () => {
    const other: Created = JSON.parse(await cli(['clients', 'create', '--db', db, '--environment', 'sandbox', '--json']));
    const tok = await (await form(server.urls.sandbox, '/oauth/token', 'grant_type=client_credentials', other.client_id, other.client_secret)).json() as { access_token: string };
    expect(tok.access_token).toMatch(/^[A-Za-z0-9]{42}$/);

    const rotated = JSON.parse(await cli(['clients', 'rotate', other.client_id, '--db', db, '--json']));
    expect((await form(server.urls.sandbox, '/oauth/token', 'grant_type=client_credentials', other.client_id, other.client_secret)).status).toBe(401);
    expect((await form(server.urls.sandbox, '/oauth/token', 'grant_type=client_credentials', other.client_id, rotated.client_secret)).status).toBe(200);

    const list = JSON.parse(await cli(['clients', 'list', '--db', db, '--json'])) as Array<{ client_id: string; active_tokens: number }>;
    expect(list.map((c) => c.client_id)).toContain(other.client_id);
    expect(JSON.stringify(list)).not.toContain(rotated.client_secret);

    await cli(['clients', 'delete', other.client_id, '--db', db]);
    const introspected = await (await form(server.urls.sandbox, '/oauth/introspect', `token=${tok.access_token}`, created.client_id, created.client_secret)).json();
    expect(introspected).toEqual({ active: false });
    expect((await form(server.urls.sandbox, '/oauth/token', 'grant_type=client_credentials', other.client_id, rotated.client_secret)).status).toBe(401);
  });

  it('A17: an Authorization header over 16 KiB → 431', async () => {
    const status = await rawStatus(server.urls.sandbox, `POST /oauth/token HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ${'A'.repeat(17 * 1024)}\r\nContent-Length: 0\r\n\r\n`);
    expect(status).toBe(431);
  });

  it('B8: a chunked body past 64 KiB → 413, reading stops at the cap', async () => {
    const status = await rawStatus(server.urls.sandbox, (send) => {
      send('POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n');
      const chunk = 'a'.repeat(16 * 1024);
      for (let i = 0; i < 8; i++) send(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
    });
    expect(status).toBe(413);
  });

  it('B8: a streamed 1 MiB fetch upload gets the 413, not a reset (20 uploads; RFC 9112 §9.6 staged close)', async () => {
    const part = new TextEncoder().encode('a'.repeat(64 * 1024));
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      const body = new ReadableStream<Uint8Array>({
        start(c) {
          for (let k = 0; k < 16; k++) c.enqueue(part);
          c.close();
        },
      });
      try {
        const r = await fetch(`${server.urls.sandbox}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body,
          duplex: 'half',
        } as RequestInit);
        outcomes.push(`${r.status} ${((await r.json()) as { error: string }).error}`);
      } catch (e) {
        outcomes.push(String((e as { cause?: { code?: string } }).cause?.code ?? e));
      }
    }
    expect(outcomes).toEqual(Array(20).fill('413 invalid_request'));
  });

  it('SIGTERM drains and exits 0; the log never holds a secret, a token or an Authorization header', async () => {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const log = server.output();
    expect(log).toContain('"path":"/oauth/token"');
    expect(log).not.toContain(created.client_secret);
    for (const t of issued) expect(log).not.toContain(t);
    expect(log.toLowerCase()).not.toContain('basic ');
  });

  it('restart keeps state: tokens stay valid, revoked stays revoked, clients still authenticate (also after SIGKILL)', async () => {
    const [revoked, , live] = issued;
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      const again = await startServe(['--db', db, '--log-level', 'trace']);
      try {
        const check = async (t: string) =>
          ((await (await form(again.urls.sandbox, '/oauth/introspect', `token=${t}`, created.client_id, created.client_secret)).json()) as { active: boolean }).active;
        expect(await check(live!)).toBe(true);
        expect(await check(revoked!)).toBe(false);
        // A token issued (committed) right before the kill must survive it.
        const res = await form(again.urls.sandbox, '/oauth/token', 'grant_type=client_credentials', created.client_id, created.client_secret);
        expect(res.status).toBe(200);
        issued.push(((await res.json()) as { access_token: string }).access_token);
      } finally {
        again.child.kill(signal);
        await again.exited;
      }
    }
    const last = await startServe(['--db', db, '--log-level', 'trace']);
    try {
      for (const t of issued.slice(3)) {
        const body = (await (await form(last.urls.sandbox, '/oauth/introspect', `token=${t}`, created.client_id, created.client_secret)).json()) as { active: boolean };
        expect(body.active).toBe(true);
      }
    } finally {
      last.child.kill('SIGTERM');
      expect(await last.exited).toBe(0);
    }
  });
});

describe('serve › --introspection-per-second (RFC 7662 §4 throttle per resource server)', () => {
  it('past the budget a resource server gets 429 temporarily_unavailable with Retry-After, over real sockets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mypos-auth-throttle-'));
    const db = `sqlite:${join(dir, 't.db')}`;
    await cli(['migrate', '--db', db]);
    const rs: Created = JSON.parse(await cli(['clients', 'create', '--db', db, '--environment', 'sandbox', '--resource-server', '--json']));
    const s = await startServe(['--db', db, '--introspection-per-second', '1', '--log-level', 'trace']);
    try {
      // Budget: 1/s with a burst of 2; ten at once cannot all fit.
      const answers = await Promise.all(Array.from({ length: 10 }, () => form(s.urls.sandbox, '/oauth/introspect', 'token=x', rs.client_id, rs.client_secret)));
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((c) => c === 200).length).toBeGreaterThanOrEqual(1);
      const limited = answers.find((a) => a.status === 429);
      expect(limited, statuses.join(',')).toBeDefined();
      expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await limited!.json()).error).toBe('temporarily_unavailable');
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('serve › first start (npm start)', () => {
  it('on an empty database --demo-client creates a sandbox client and prints a working curl command', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mypos-auth-demo-'));
    const s = await startServe(['--db', `sqlite:${join(dir, 'd.db')}`, '--demo-client', '--log-level', 'trace']);
    try {
      await new Promise((r) => setTimeout(r, 300));
      const out = s.output();
      const id = /Client ID:\s+(\S+)/.exec(out)?.[1];
      const secret = /Client Secret:\s+(\S+)/.exec(out)?.[1];
      expect(id).toMatch(/^[A-Za-z0-9]{24}$/);
      expect(out).toContain(`curl -s -X POST ${s.urls.sandbox}/oauth/token`);
      const curlLine = out.slice(out.indexOf('curl -s')).split('\n').slice(0, 4).join('\n').replace(/\\\n/g, ' ');
      const { stdout } = await execFileP('bash', ['-c', curlLine]);
      expect(JSON.parse(stdout)).toMatchObject({ token_type: 'Bearer', scope: 'webhooks' });
      expect(secret).toMatch(/^[A-Za-z0-9]{48}$/);
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('unknown flags and bad configuration fail at start with a clear message', async () => {
    await expect(cli(['serve', '--sandbox-port', '99999'])).rejects.toMatchObject({ stderr: expect.stringContaining('sandboxPort must be a port number') });
    await expect(cli(['serve', '--introspection-per-second', '0'])).rejects.toMatchObject({ stderr: expect.stringContaining('introspectionPerSecond must be a positive whole number') });
    await expect(cli(['serve', '--login-failures-per-account-per-minute', '0'])).rejects.toMatchObject({ stderr: expect.stringContaining('loginFailuresPerAccountPerMinute must be a positive whole number') });
    await expect(cli(['serve', '--login-failures-per-ip-per-minute', '0'])).rejects.toMatchObject({ stderr: expect.stringContaining('loginFailuresPerIpPerMinute must be a positive whole number') });
    await expect(cli(['serve', '--no-such-flag'])).rejects.toMatchObject({ stderr: expect.stringContaining("unknown option '--no-such-flag'") });
  });
});
