import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ADMIN_PG_URL, adminQuery, POSTGRES_AVAILABLE } from '../helpers/backends.js';
import { cli, startServe, type ServeProcess } from '../helpers/cli.js';

/**
 * Crash safety: SIGKILL the server at a random moment while tokens are issued and revoked and a
 * secret is rotated, restart it, and check what every client was told still holds. CRASH_ROUNDS raises
 * the number of kills for a long run on demand.
 */
const ROUNDS = Number(process.env.CRASH_ROUNDS ?? 3);
const KEY = randomBytes(32).toString('hex');
const env = { MYPOS_AUTH_SERVER_KEY: KEY };

const form = (base: string, path: string, body: string, id: string, secret: string) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64') },
    body,
  });

interface Ledger {
  /** Tokens whose 200 response reached the client. */
  received: string[];
  /** Tokens whose revocation was acknowledged with 200. */
  revoked: string[];
  /** Tokens a revocation was sent for without an answer (killed mid-request): either state is legitimate. */
  inDoubt: Set<string>;
}

async function loadUntilKilled(server: ServeProcess, c: { client_id: string; client_secret: string }, ledger: Ledger, killAfterMs: number) {
  let alive = true;
  const loops = Array.from({ length: 8 }, async (_, i) => {
    while (alive) {
      try {
        if (i % 4 === 3 && ledger.received.length > 0) {
          const victim = ledger.received[Math.floor(Math.random() * ledger.received.length)]!;
          ledger.inDoubt.add(victim);
          const res = await form(server.urls.sandbox, '/oauth/revoke', `token=${victim}`, c.client_id, c.client_secret);
          if (res.status === 200) ledger.revoked.push(victim);
          ledger.inDoubt.delete(victim);
        } else {
          const res = await form(server.urls.sandbox, '/oauth/token', 'grant_type=client_credentials', c.client_id, c.client_secret);
          if (res.status === 200) ledger.received.push(((await res.json()) as { access_token: string }).access_token);
        }
      } catch {
        return; // the process is gone: this request's fate is unknown, so it is in no ledger
      }
    }
  });
  await new Promise((r) => setTimeout(r, killAfterMs));
  server.child.kill('SIGKILL');
  alive = false;
  await server.exited;
  await Promise.all(loops);
}

async function verify(base: string, rs: { client_id: string; client_secret: string }, ledger: Ledger) {
  const revoked = new Set(ledger.revoked);
  const sample = ledger.received.slice(-150).concat(ledger.revoked.slice(-50)).filter((t) => revoked.has(t) || !ledger.inDoubt.has(t));
  for (const tok of sample) {
    const body = (await (await form(base, '/oauth/introspect', `token=${tok}`, rs.client_id, rs.client_secret)).json()) as { active: boolean };
    // Every token a client received is active unless it was revoked; every acknowledged revocation holds.
    expect({ tok, active: body.active }).toEqual({ tok, active: !revoked.has(tok) });
  }
}

async function crashRounds(db: string) {
  await cli(['migrate', '--db', db], env);
  const c = JSON.parse(await cli(['clients', 'create', '--db', db, '--environment', 'sandbox', '--json'], env));
  const rs = JSON.parse(await cli(['clients', 'create', '--db', db, '--environment', 'sandbox', '--resource-server', '--json'], env));
  const rotating = JSON.parse(await cli(['clients', 'create', '--db', db, '--environment', 'sandbox', '--json'], env));
  const ledger: Ledger = { received: [], revoked: [], inDoubt: new Set() };
  let rotatingSecret: string = rotating.client_secret;
  const retired: string[] = [];

  for (let round = 0; round < ROUNDS; round++) {
    const server = await startServe(['--db', db, '--log-level', 'trace', '--client-failures-per-minute', '100000', '--ip-failures-per-minute', '100000'], env);
    await verify(server.urls.sandbox, rs, ledger);
    // An acknowledged rotation (the CLI printed the new secret) holds across the crash that follows.
    const rotated = JSON.parse(await cli(['clients', 'rotate', rotating.client_id, '--db', db, '--json'], env));
    retired.push(rotatingSecret);
    rotatingSecret = rotated.client_secret;
    await loadUntilKilled(server, c, ledger, 300 + Math.floor(Math.random() * 900));
  }
  const last = await startServe(['--db', db, '--log-level', 'trace'], env);
  try {
    await verify(last.urls.sandbox, rs, ledger);
    expect(ledger.received.length).toBeGreaterThan(0);
    expect((await form(last.urls.sandbox, '/oauth/token', 'grant_type=client_credentials', rotating.client_id, rotatingSecret)).status).toBe(200);
    for (const old of retired) {
      expect((await form(last.urls.sandbox, '/oauth/token', 'grant_type=client_credentials', rotating.client_id, old)).status).toBe(401);
    }
  } finally {
    last.child.kill('SIGTERM');
    await last.exited;
  }
}

describe('crash safety › SIGKILL at random points under load', () => {
  it(`SQLite: ${ROUNDS} kills; received tokens live, acknowledged revocations and rotations hold, integrity_check ok`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mypos-auth-crash-'));
    const path = join(dir, 'crash.db');
    try {
      await crashRounds(`sqlite:${path}`);
      const db = new BetterSqlite3(path, { readonly: true });
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it.runIf(POSTGRES_AVAILABLE)(`PostgreSQL: ${ROUNDS} kills; the same promises hold`, async () => {
    const name = `mypos_crash_${randomBytes(4).toString('hex')}`;
    await adminQuery(`create database ${name}`);
    const u = new URL(ADMIN_PG_URL);
    u.pathname = `/${name}`;
    try {
      await cli(['migrate', '--db', u.toString()]);
      await crashRounds(u.toString());
    } finally {
      await adminQuery(`drop database if exists ${name} with (force)`);
    }
  }, 180_000);
});
