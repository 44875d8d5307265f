import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startServe } from '../helpers/cli.js';

const NO_DNS = fileURLToPath(new URL('../helpers/no-dns.mjs', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI as an operator runs it, in `cwd`, with only the environment given (no DATABASE_URL leaks in). */
function run(args: string[], options: { cwd: string; env?: Record<string, string>; stdin?: string; node?: string[] }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.node ?? []), CLI, ...args], {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}

/** One line on stderr, prefixed, no stack trace. */
const oneLine = (r: Run) => {
  expect(r.stderr).toMatch(/^mypos-auth: [^\n]+\n$/);
  expect(r.stderr).not.toMatch(/\n\s+at /);
};

/** Every file and directory under `dir`, relative. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

const KEY = 'ab'.repeat(32);

describe('operator CLI › --db takes the documented forms only, and only serve and migrate create a database', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mypos-auth-operator-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const managementCommands = (db: string) => [
    ['clients', 'list', '--db', db],
    ['clients', 'create', '--environment', 'sandbox', '--db', db],
    ['clients', 'rotate', 'X'.repeat(24), '--db', db],
    ['clients', 'delete', 'X'.repeat(24), '--db', db],
    ['merchants', 'create', '--email', 'ops@example.com', '--password-stdin', '--db', db],
  ];

  it('mysql://…, a bare path, sqlite: without a path: refused, naming the accepted forms; nothing written', { timeout: 90_000 }, async () => {
    const cwd = join(dir, 'forms');
    mkdirSync(cwd);
    const cases = [
      ...[...managementCommands('mysql://localhost/x'), ['serve', '--db', 'mysql://localhost/x'], ['migrate', '--db', 'mysql://localhost/x']],
      ...['mysql://user:hunter2@db.example/x', './x.db', 'sqlite:'].flatMap((db) => [['clients', 'list', '--db', db], ['serve', '--db', db]]),
    ];
    for (const args of cases) {
      {
        const r = await run(args, { cwd, stdin: 'a long enough password\n' });
        expect(r.code, `${args.join(' ')}`).toBe(1);
        oneLine(r);
        expect(r.stderr).toContain('sqlite:PATH');
        expect(r.stderr).toContain('postgres://');
        expect(r.stderr).toContain('postgresql://');
        expect(r.stderr).not.toContain('hunter2');
        expect(r.stdout).not.toContain('No clients');
      }
    }
    expect(tree(cwd)).toEqual([]);
  });

  it('a missing SQLite database: every management command fails naming the path; no file, directory or server.key appears', { timeout: 90_000 }, async () => {
    const cwd = join(dir, 'missing');
    mkdirSync(cwd);
    for (const path of [join(cwd, 'nonexistent', 'dir', 'x.db'), join(cwd, 'x.db')]) {
      const commands = managementCommands(`sqlite:${path}`);
      for (const args of path.endsWith(join('dir', 'x.db')) ? commands : commands.slice(0, 2)) {
        const r = await run(args, { cwd, stdin: 'a long enough password\n' });
        expect(r.code, `${args.join(' ')}`).toBe(1);
        oneLine(r);
        expect(r.stderr).toContain(`no SQLite database at ${path}`);
      }
      // The default database (./data/mypos-auth.db) is missing too.
      const r = await run(['clients', 'list'], { cwd });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(join(cwd, 'data', 'mypos-auth.db'));
    }
    expect(tree(cwd)).toEqual([]);
  });

  it('migrate creates the database and its server.key; then the management commands work on it', async () => {
    const cwd = join(dir, 'migrated');
    mkdirSync(cwd);
    const db = `sqlite:${join(cwd, 'new', 'dir', 'x.db')}`;
    const m = await run(['migrate', '--db', db], { cwd });
    expect(m).toMatchObject({ code: 0, stderr: '' });
    expect(existsSync(join(cwd, 'new', 'dir', 'x.db'))).toBe(true);
    expect(readFileSync(join(cwd, 'new', 'dir', 'server.key'), 'utf8')).toMatch(/^[0-9a-f]{64}\n$/);
    expect(await run(['clients', 'list', '--db', db], { cwd })).toMatchObject({ code: 0, stdout: 'No clients.\n' });
  });

  it('clients create --require-pushed-authorization-requests (RFC 9126 §4): stored, printed and listed; refused without the code flow', async () => {
    const cwd = join(dir, 'par');
    mkdirSync(cwd);
    const db = `sqlite:${join(cwd, 'par.db')}`;
    expect((await run(['migrate', '--db', db], { cwd })).code).toBe(0);
    const flow = ['--grant', 'authorization_code', '--redirect-uri', 'https://app.example/cb'];
    const created = await run(['clients', 'create', '--db', db, '--environment', 'sandbox', ...flow, '--require-pushed-authorization-requests', '--json'], { cwd });
    expect(created.code).toBe(0);
    const client = JSON.parse(created.stdout) as { client_id: string; require_pushed_authorization_requests: boolean };
    expect(client.require_pushed_authorization_requests).toBe(true);
    const listed = JSON.parse((await run(['clients', 'list', '--db', db, '--json'], { cwd })).stdout) as Array<{ client_id: string; require_pushed_authorization_requests: boolean }>;
    expect(listed.find((c) => c.client_id === client.client_id)?.require_pushed_authorization_requests).toBe(true);
    expect((await run(['clients', 'list', '--db', db], { cwd })).stdout).toContain('PAR only');
    const refused = await run(['clients', 'create', '--db', db, '--environment', 'sandbox', '--require-pushed-authorization-requests'], { cwd });
    expect(refused.code).toBe(1);
    oneLine(refused);
    expect(refused.stderr).toContain('authorization_code');
  });

  it('an unreachable PostgreSQL server: one line naming the host, no stack trace, exit 1', async () => {
    const r = await run(['clients', 'list', '--db', 'postgres://postgres:pw-not-shown@127.0.0.1:1/x'], { cwd: dir, env: { MYPOS_AUTH_SERVER_KEY: KEY } });
    expect(r.code).toBe(1);
    oneLine(r);
    expect(r.stderr).toContain('cannot open the PostgreSQL database 127.0.0.1:1/x');
    expect(r.stderr).not.toContain('pw-not-shown');
  });
});

describe('operator CLI › expected errors are one line naming what and where', () => {
  let dir: string;
  let textFile: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mypos-auth-notadb-'));
    textFile = join(dir, 'notes.txt');
    writeFileSync(textFile, 'these are my notes, not a database\n'.repeat(100));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('clients list --db sqlite:<a text file> → "<path> is not a SQLite database", exit 1, the file untouched', async () => {
    const before = readFileSync(textFile);
    const r = await run(['clients', 'list', '--db', `sqlite:${textFile}`], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mypos-auth: ${textFile} is not a SQLite database\n`);
    expect(readFileSync(textFile)).toEqual(before);
    expect(tree(dir)).toEqual(['notes.txt']);
  });

  it('serve on the same file names the path in its one line', async () => {
    const r = await run(['serve', '--db', `sqlite:${textFile}`, '--sandbox-port', '0', '--production-port', '0', '--metrics-port', '0'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mypos-auth: Cannot start: ${textFile} is not a SQLite database\n`);
    expect(r.stdout).not.toMatch(/listening/i);
    expect(tree(dir)).toEqual(['notes.txt']);
  });

  it('a directory given as the database is named as not a database', async () => {
    const r = await run(['clients', 'list', '--db', `sqlite:${dir}`], { cwd: dir });
    expect(r.code).toBe(1);
    oneLine(r);
    expect(r.stderr).toContain(`${dir} is not a SQLite database`);
  });
});

describe('operator CLI › serve flags, the server key off the command line, the host `token` calls', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mypos-auth-flags-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serve --help shows every default: database, interface, ports, metrics listener, limits', async () => {
    const r = await run(['serve', '--help'], { cwd: dir });
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    for (const text of [
      'default sqlite:./data/mypos-auth.db', 'default 127.0.0.1', 'default 8080', 'so 8081', '--port <port>',
      '--metrics-port <port>', 'default 9464; 0 for none', '--metrics-host <addr>', 'default 3600', 'default info',
      'default 30)', 'default 300)', 'default 5000)', 'default 1)', '--server-key-file <path>',
    ]) expect(help).toContain(text);
    expect(help).not.toContain('--server-key <key>');
  });

  it('serve --port P listens with the sandbox on P and production on P + 1, as PORT does', async () => {
    const s = await startServe(['--db', `sqlite:${join(dir, 'port.db')}`, '--port', '23450', '--log-level', 'warn']);
    try {
      expect(s.urls).toEqual({ sandbox: 'http://127.0.0.1:23450', production: 'http://127.0.0.1:23451' });
      expect((await fetch(`${s.urls.production}/healthz`)).status).toBe(200);
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  });

  it('serve --port with --sandbox-port: refused, naming both', async () => {
    const r = await run(['serve', '--port', '23452', '--sandbox-port', '23453'], { cwd: dir });
    expect(r.code).toBe(1);
    oneLine(r);
    expect(r.stderr).toContain('give --port or --sandbox-port, not both');
  });

  it('--server-key KEY is refused on every command, pointing to --server-key-file or MYPOS_AUTH_SERVER_KEY, never echoing the key', async () => {
    for (const args of [['serve'], ['migrate'], ['clients', 'list'], ['clients', 'create', '--environment', 'sandbox'], ['merchants', 'create', '--email', 'a@b.c', '--password-stdin']]) {
      const r = await run([...args, '--server-key', KEY], { cwd: dir, stdin: 'x\n' });
      expect(r.code, args.join(' ')).toBe(1);
      oneLine(r);
      expect(r.stderr).toContain('--server-key-file PATH');
      expect(r.stderr).toContain('MYPOS_AUTH_SERVER_KEY');
      expect(r.stderr).not.toContain(KEY);
    }
    expect(tree(dir).filter((f) => f !== 'port.db' && !f.startsWith('port.db-') && f !== 'server.key')).toEqual([]);
  });

  it('--server-key-file: the key is read from the file; a missing or malformed file is named, its content never shown', async () => {
    const keyFile = join(dir, 'key.hex');
    writeFileSync(keyFile, `${KEY}\n`, { mode: 0o600 });
    const db = `sqlite:${join(dir, 'keyed', 'k.db')}`;
    expect((await run(['migrate', '--db', db, '--server-key-file', keyFile], { cwd: dir })).code).toBe(0);
    // The key came from the file: none was generated beside the database.
    expect(existsSync(join(dir, 'keyed', 'server.key'))).toBe(false);
    const created = await run(['clients', 'create', '--environment', 'sandbox', '--json', '--db', db, '--server-key-file', keyFile], { cwd: dir });
    expect(created.code).toBe(0);
    const c = JSON.parse(created.stdout) as { client_id: string; client_secret: string };
    // The same key through the environment verifies the secret the file's key hashed.
    const s = await startServe(['--db', db, '--log-level', 'warn'], { MYPOS_AUTH_SERVER_KEY: KEY });
    try {
      const res = await fetch(`${s.urls.sandbox}/oauth/token`, {
        method: 'POST',
        headers: { authorization: 'Basic ' + Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64'), 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
      expect(res.status).toBe(200);
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
    }
    const missing = await run(['clients', 'list', '--db', db, '--server-key-file', join(dir, 'nope.hex')], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`mypos-auth: cannot read the server key file ${join(dir, 'nope.hex')}: no such file\n`);
    const bad = join(dir, 'bad.hex');
    writeFileSync(bad, 'short-and-not-a-key\n');
    const malformed = await run(['clients', 'list', '--db', db, '--server-key-file', bad], { cwd: dir });
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toBe(`mypos-auth: ${bad} does not hold a valid server key (at least 32 bytes, hex or base64)\n`);
  });

  it('an existing database whose server.key is missing: named, and no new key is made (it would orphan every stored secret)', async () => {
    const sub = join(dir, 'nokey');
    const db = `sqlite:${join(sub, 'n.db')}`;
    expect((await run(['migrate', '--db', db], { cwd: dir })).code).toBe(0);
    rmSync(join(sub, 'server.key'));
    const r = await run(['clients', 'list', '--db', db], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`mypos-auth: no server key: ${join(sub, 'server.key')} does not exist; set MYPOS_AUTH_SERVER_KEY or give --server-key-file PATH\n`);
    expect(existsSync(join(sub, 'server.key'))).toBe(false);
  });

  it('token without --token-url names the myPOS host it calls, and on ENOTFOUND which host could not be reached', async () => {
    const r = await run(['token', '--client-id', 'A'.repeat(24), '--client-secret-stdin'], { cwd: dir, stdin: `${'S'.repeat(48)}\n`, node: ['--import', NO_DNS] });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'mypos-auth: calling the myPOS sandbox at https://sandbox-auth-api.mypos.com (give --token-url for another server)\n' +
        'mypos-auth: token request failed: could not reach sandbox-auth-api.mypos.com (ENOTFOUND); POST https://sandbox-auth-api.mypos.com/oauth/token\n',
    );
    const prod = await run(['introspect', 'x', '--environment', 'production', '--client-id', 'A'.repeat(24)], {
      cwd: dir, env: { MYPOS_CLIENT_SECRET: 'S'.repeat(48) }, node: ['--import', NO_DNS],
    });
    expect(prod.code).toBe(1);
    expect(prod.stderr).toContain('could not reach auth-api.mypos.com (ENOTFOUND); POST https://auth-api.mypos.com/oauth/introspect');
    expect(prod.stderr).not.toContain('S'.repeat(48));
  });
});
