import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startServe } from '../helpers/cli.js';
import { basic, createTestServer, postForm } from '../helpers/test-server.js';
import { LOGS, RUN_DIR_ENV } from './run-dir.js';
import { readKnownValues } from './scanner.js';

// The end-of-run scan can only be as good as what reaches it: these check that the servers' lines and the
// credentials used really land in the run directory, so a broken capture cannot pass as "no leak".
const runDir = () => process.env[RUN_DIR_ENV]!;
const mine = (suffix: string) =>
  readdirSync(join(runDir(), LOGS)).filter((f) => f.startsWith(`test__log-safety__capture.test.ts.${process.pid}.`) && f.endsWith(suffix));

describe('log capture › every server of the run writes into the run directory', () => {
  it('the run directory is set for every test worker (by test/log-safety/global-setup.ts)', () => {
    expect(process.env[RUN_DIR_ENV]).toMatch(/mypos-auth-test-logs-/);
  });

  it('an in-process test server logs at trace into it, and the credentials it saw are recorded', async () => {
    const t = await createTestServer();
    try {
      const c = await t.client();
      const res = await postForm(t.app(), '/oauth/token', 'grant_type=client_credentials', { authorization: basic(c.id, c.secret) });
      const [file] = mine('.inprocess.log');
      const lines = readFileSync(join(runDir(), LOGS, file!), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      expect(lines.at(-1)).toMatchObject({ msg: 'request', path: '/oauth/token', status: 200 });
      const recorded = readKnownValues(runDir()).map((v) => v.value);
      expect(recorded).toEqual(expect.arrayContaining([c.secret, basic(c.id, c.secret), res.json().access_token]));
    } finally {
      await t.close();
    }
  });

  it('a `serve` child process has its stdout and stderr teed into it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mypos-auth-capture-'));
    try {
      const s = await startServe(['--db', `sqlite:${join(dir, 'd.db')}`, '--log-level', 'trace']);
      // A body of a media type the token endpoint does not take: 400 (an empty POST is no body, RFC 9110 §8.6, so
      // it would reach client authentication and answer 401).
      const res = await fetch(`${s.urls.sandbox}/oauth/token`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
      expect(res.status).toBe(400);
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
      const [out] = mine(`serve-${s.child.pid}.stdout.log`);
      const text = readFileSync(join(runDir(), LOGS, out!), 'utf8');
      expect(text).toContain('mypos-auth listening');
      expect(text).toContain('"path":"/oauth/token","status":400');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('log capture › no test starts a server around the capture', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).map((f) => join(root, f));
  const offenders = (re: RegExp, allowed: string) =>
    files.filter((f) => !f.endsWith(allowed) && re.test(readFileSync(f, 'utf8'))).map((f) => relative(root, f));

  it('startServer comes from test/helpers/start-server.ts (logger and credential recorder), never straight from src/server.ts', () => {
    expect(offenders(/import \{[^}]*(?<!type )\bstartServer\b[^}]*\} from '[./]*src\/server\.js'/, 'helpers/start-server.ts')).toEqual([]);
  });

  it('loggers come from log-capture.ts, so none writes only to a private sink', () => {
    expect(offenders(/\bcreateLogger\b/, 'log-safety/log-capture.ts')).toEqual([]);
  });
});
