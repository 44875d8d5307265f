import { Agent, request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, startServe, type ServeProcess } from '../helpers/cli.js';

/** POST a form on a keep-alive agent; resolves with the status and the parsed body. */
function post(url: string, agent: Agent, auth: string, body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {} }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs `jobs` with `width` of them in flight at a time. */
async function inParallel<T>(width: number, jobs: Array<() => Promise<T>>): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  }));
  return out;
}

// Two worker processes write one SQLite file: each commit must wait for the other's write lock, never fail
// on a stale read snapshot (SQLITE_BUSY_SNAPSHOT → 503). Found by the benchmark: 41% of revocations 503.
describe('serve --workers 2 on SQLite › concurrent writes from both processes all succeed', () => {
  let dir: string;
  let server: ServeProcess;
  let auth: string;
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mypos-auth-workers-'));
    const db = `sqlite:${join(dir, 'd.db')}`;
    await cli(['migrate', '--db', db]);
    const c = JSON.parse(await cli(['clients', 'create', '--db', db, '--environment', 'sandbox', '--json']));
    auth = 'Basic ' + Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64');
    server = await startServe(['--db', db, '--log-level', 'warn', '--workers', '2']);
  });
  afterAll(async () => {
    agent.destroy();
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('tokens issued and revoked at once, over both workers: every answer 200, every revocation holds', async () => {
    const url = server.urls.sandbox;
    const issue = () => post(`${url}/oauth/token`, agent, auth, 'grant_type=client_credentials');
    const first = await inParallel(32, Array.from({ length: 300 }, () => issue));
    expect(first.map((r) => r.status)).toEqual(Array(300).fill(200));
    const tokens = first.map((r) => r.json.access_token as string);

    // Revocations interleaved with new issuance, 32 at a time, spread by the cluster over both workers.
    const jobs = tokens.flatMap((token) => [() => post(`${url}/oauth/revoke`, agent, auth, `token=${token}`), issue]);
    const answers = await inParallel(32, jobs);
    expect(answers.filter((a) => a.status !== 200).map((a) => a.status)).toEqual([]);

    const checks = await inParallel(32, tokens.map((token) => () => post(`${url}/oauth/introspect`, agent, auth, `token=${token}`)));
    expect(checks.filter((c) => c.json.active !== false)).toEqual([]);
  }, 60_000);
});
