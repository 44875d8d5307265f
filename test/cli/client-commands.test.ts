import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPeer, startSocketServer, type SocketServer } from '../sdk/socket-server.js';

const MAIN = join(import.meta.dirname, '../../dist/cli/main.js');

/** Runs the built CLI as a child process (the server stays reachable: this never blocks the event loop). */
function run(
  args: string[],
  stdin = '',
  env: Record<string, string> = {},
  keepStdinOpen = false,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (keepStdinOpen) {
      child.stdin.write(stdin);
      child.on('close', () => child.stdin.destroy());
    } else {
      child.stdin.end(stdin);
    }
  });
}

describe('CLI client commands end to end: token, introspect, revoke against the real server', () => {
  let s: SocketServer;
  let creds: { id: string; secret: string };
  let tokenUrl: string;
  beforeAll(async () => {
    s = await startSocketServer();
    creds = await s.client({ scopes: ['webhooks', 'transactions'] });
    tokenUrl = `${s.url()}/oauth/token`;
  });
  afterAll(() => s?.close());

  const clientArgs = () => ['--client-id', creds.id, '--client-secret-stdin', '--token-url', tokenUrl];

  it('token → the token response JSON on stdout, exit 0; the token is live', async () => {
    const r = await run(['token', ...clientArgs(), '--scope', 'webhooks'], `${creds.secret}\n`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as { access_token: string };
    expect(body).toEqual({ access_token: expect.stringMatching(/^[A-Za-z0-9]{42}$/), token_type: 'Bearer', expires_in: 3600, scope: 'webhooks' });
    expect(await s.activeTokens(creds.id)).toBeGreaterThanOrEqual(1);
  });

  it('token with client_secret_post and a CRLF-terminated secret on stdin', async () => {
    const r = await run(['token', ...clientArgs(), '--auth-method', 'post'], `${creds.secret}\r\n`);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ token_type: 'Bearer', scope: 'webhooks transactions' });
  });

  it('--client-secret-stdin reads up to the first line break: a person typing the secret need not close stdin', async () => {
    const r = await run(['token', ...clientArgs()], `${creds.secret}\n`, {}, true);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty('access_token');
  });

  it('token with the secret in MYPOS_CLIENT_SECRET instead of stdin', async () => {
    const r = await run(['token', '--client-id', creds.id, '--token-url', tokenUrl], '', { MYPOS_CLIENT_SECRET: creds.secret });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveProperty('access_token');
  });

  it('introspect TOKEN → {"active": true, …}; revoke TOKEN → exit 0, silent; introspect again → {"active": false}', async () => {
    const issued = JSON.parse((await run(['token', ...clientArgs()], creds.secret)).stdout) as { access_token: string };
    const live = await run(['introspect', issued.access_token, ...clientArgs()], creds.secret);
    expect(live.code).toBe(0);
    expect(JSON.parse(live.stdout)).toMatchObject({ active: true, client_id: creds.id, token_type: 'Bearer' });

    const revoked = await run(['revoke', issued.access_token, ...clientArgs(), '--token-type-hint', 'access_token'], creds.secret);
    expect(revoked).toEqual({ code: 0, stdout: '', stderr: '' });

    const dead = await run(['introspect', issued.access_token, ...clientArgs()], creds.secret);
    expect(dead.code).toBe(0);
    expect(JSON.parse(dead.stdout)).toEqual({ active: false });
  });

  it('--revoke-url / --introspect-url override the endpoints derived from --token-url', async () => {
    const issued = JSON.parse((await run(['token', ...clientArgs()], creds.secret)).stdout) as { access_token: string };
    const wrongOrigin = ['--client-id', creds.id, '--client-secret-stdin', '--token-url', 'http://127.0.0.1:9/oauth/token'];
    const r = await run(['introspect', issued.access_token, ...wrongOrigin, '--introspect-url', `${s.url()}/oauth/introspect`], creds.secret);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ active: true });
    const before = s.counts.sandbox['/oauth/revoke'] ?? 0;
    expect((await run(['revoke', issued.access_token, ...wrongOrigin, '--revoke-url', `${s.url()}/oauth/revoke`], creds.secret)).code).toBe(0);
    expect((s.counts.sandbox['/oauth/revoke'] ?? 0) - before).toBe(1);
  });

  const wrongSecret = 'W'.repeat(48);
  const failures: Array<[string, () => string[], string, RegExp]> = [
    ['a wrong secret', () => ['token', ...clientArgs()], wrongSecret, /^mypos-auth: token request failed: invalid_client: Client authentication failed \(HTTP 401\)\n$/],
    ['a scope the client may not have', () => ['token', ...clientArgs(), '--scope', 'devices'], '', /^mypos-auth: token request failed: invalid_scope/],
    ['an empty stdin', () => ['token', ...clientArgs()], '\n', /^mypos-auth: --client-secret-stdin: stdin was empty\n$/],
    ['no secret at all', () => ['token', '--client-id', creds.id, '--token-url', tokenUrl], '', /no client secret/],
    ['--environment and --token-url together', () => ['token', ...clientArgs(), '--environment', 'sandbox'], '', /not both/],
    ['an unknown environment', () => ['token', '--client-id', creds.id, '--client-secret-stdin', '--environment', 'staging'], '', /--environment must be sandbox or production/],
    ['a token URL that is not http(s)', () => ['token', '--client-id', creds.id, '--client-secret-stdin', '--token-url', 'file:///etc/passwd'], '', /tokenUrl must be an absolute http\(s\) URL/],
    ['revoke with a wrong secret', () => ['revoke', 'x'.repeat(42), ...clientArgs()], wrongSecret, /^mypos-auth: revocation failed: invalid_client/],
    ['introspect with a wrong secret', () => ['introspect', 'x'.repeat(42), ...clientArgs()], wrongSecret, /^mypos-auth: introspection failed: invalid_client/],
    ['a bad token_type_hint', () => ['revoke', 'x', ...clientArgs(), '--token-type-hint', 'id_token'], '', /--token-type-hint must be/],
  ];
  it.each(failures)('%s → a one-line message on stderr, exit 1, the secret never echoed', async (_name, args, stdin, message) => {
    const r = await run(args(), stdin || creds.secret);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain(creds.secret);
    expect(r.stderr).not.toContain(wrongSecret);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('nothing listening → a network error message after bounded retries, exit 1', async () => {
    const closed = await startPeer(() => {});
    await closed.close();
    const r = await run(['token', '--client-id', creds.id, '--client-secret-stdin', '--token-url', `${closed.url}/oauth/token`], creds.secret);
    expect(r.code).toBe(1);
    const where = new URL(closed.url).host;
    expect(r.stderr).toBe(`mypos-auth: token request failed: could not reach ${where} (ECONNREFUSED); POST ${closed.url}/oauth/token\n`);
  });
});
