import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeProcess } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The shell blocks the README marks with `<!-- walkthrough -->`, in order. */
const BLOCKS = [...README.matchAll(/<!-- walkthrough -->\n```sh\n([\s\S]*?)\n```/g)].map((m) => m[1]!);

/**
 * Runs the blocks in one bash session, as a reader pastes them into one terminal, with `set -euo pipefail`: a
 * failing command or a variable the walkthrough never set ($TOKEN) stops the run. The only change to the text
 * is the sandbox URL, since the test's server listens on a free port instead of 8080; `npx mypos-auth` runs the
 * clone's own build, against the server's database (DATABASE_URL, as `npm start` would share ./data).
 */
function runWalkthrough(sandbox: string, db: string): Promise<{ code: number; sections: string[]; check: string; stderr: string }> {
  const script = ['set -euo pipefail']
    .concat(BLOCKS.map((b, i) => `printf '@@block ${i}@@\\n'\n${b.replaceAll('http://127.0.0.1:8080', sandbox)}\nprintf '\\n@@end@@\\n'`))
    .concat([`printf '@@check %s %s %s@@\\n' "\${#ID}" "\${#SECRET}" "\${#TOKEN}"`])
    .join('\n');
  return new Promise((resolve) => {
    execFile('bash', ['-c', script], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), DATABASE_URL: db, npm_config_offline: 'true', npm_config_update_notifier: 'false' },
      timeout: 60_000,
    }, (err, stdout, stderr) => {
      const sections = [...stdout.matchAll(/@@block (\d+)@@\n([\s\S]*?)\n@@end@@/g)].map((m) => m[2]!.trim());
      const check = /@@check ([^@]*)@@/.exec(stdout)?.[1] ?? '';
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, sections, check, stderr });
    });
  });
}

describe('README › the walkthrough runs verbatim against a started server', () => {
  let dir: string;
  let server: ServeProcess;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mypos-auth-readme-'));
    server = await startServe(['--db', `sqlite:${join(dir, 'readme.db')}`, '--log-level', 'trace']);
  });
  afterAll(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('every marked block succeeds in order, and each prints what the README says it prints', { timeout: 90_000 }, async () => {
    expect(BLOCKS).toHaveLength(7);
    const r = await runWalkthrough(server.urls.sandbox, `sqlite:${join(dir, 'readme.db')}`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.sections).toHaveLength(7);
    const [created, colon, semicolon, keep, alive, revoked, dead] = r.sections as [string, string, string, string, string, string, string];
    // 1. ID and SECRET set from the JSON by commands (24 and 48 characters), the ID printed.
    expect(created).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(r.check).toBe('24 48 42');
    // 2, 3. The myPOS docs' token requests, colon and semicolon.
    expect(JSON.parse(colon)).toEqual({ access_token: expect.stringMatching(/^[A-Za-z0-9]{42}$/), token_type: 'Bearer', expires_in: 3600, scope: 'webhooks' });
    expect(JSON.parse(semicolon)).toMatchObject({ token_type: 'Bearer', scope: 'webhooks transactions' });
    // 4. TOKEN kept silently.
    expect(keep).toBe('');
    // 5. Introspection of the kept token: active, ours.
    expect(JSON.parse(alive)).toMatchObject({ active: true, scope: 'webhooks', client_id: created, token_type: 'Bearer' });
    // 6. Two revocations (form, then JSON): 200 with an empty body and no JSON content type (RFC 7009 §2.2).
    const answers = revoked.split(/(?=^HTTP\/1\.1 )/m);
    expect(answers.map((a) => a.split('\r\n')[0])).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    for (const a of answers) {
      expect(a).toMatch(/^content-length: 0\r$/im);
      expect(a).not.toMatch(/^content-type:/im);
      expect((a.split('\r\n\r\n')[1] ?? '').trim()).toBe('');
    }
    // 7. The revoked token is dead.
    expect(JSON.parse(dead)).toEqual({ active: false });
  });
});
