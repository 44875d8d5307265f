#!/usr/bin/env node
// Seeds a SQLite database with 1,000,000 clients and 10,000,000 live access tokens for `run.mjs --big`.
// The schema is the server's own (`mypos-auth migrate`); rows go in through better-sqlite3 from the root
// package, one transaction per 50,000 rows, with synchronous=OFF for the seeding connection only (the server
// reopens the file with its own synchronous=FULL). Secondary indexes are dropped during the load and
// recreated from their own definitions afterwards (a sort instead of 10 M random B-tree inserts).
// Usage: node bench/seed.mjs [--clients N] [--tokens N] [--db PATH]
import { execFileSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { seededClientId, SEED_DB, SEED_META } from './seed-ids.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const Database = createRequire(join(ROOT, 'package.json'))('better-sqlite3');
const { values: flags } = parseArgs({
  options: { clients: { type: 'string' }, tokens: { type: 'string' }, db: { type: 'string' } },
});
const CLIENTS = Number(flags.clients ?? 1_000_000);
const TOKENS = Number(flags.tokens ?? 10_000_000);
const DB = resolve(flags.db ?? SEED_DB);
const META = flags.db ? `${DB}.json` : SEED_META;
const BATCH = 50_000;

const log = (msg) => process.stderr.write(`[seed] ${msg}\n`);
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

mkdirSync(dirname(DB), { recursive: true });
for (const f of [DB, `${DB}-wal`, `${DB}-shm`, META]) rmSync(f, { force: true });
execFileSync(process.execPath, [join(ROOT, 'dist/cli/main.js'), 'migrate', '--db', `sqlite:${DB}`], { stdio: 'inherit' });

const db = new Database(DB);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = OFF');
db.pragma('cache_size = -262144'); // 256 MiB

const indexes = db.prepare(`select name, sql from sqlite_master where type = 'index' and tbl_name in ('clients', 'tokens') and sql is not null`).all();
for (const ix of indexes) db.exec(`drop index "${ix.name}"`);

const now = Math.floor(Date.now() / 1000);
const hex = (n) => randomBytes(n).toString('hex');

// Clients: ids ascending (appends), random 64-hex secret digests that no secret matches.
const insertClient = db.prepare(`insert into clients (id, environment, name, secret_hash, scopes, grant_types, redirect_uris,
  is_resource_server, merchant_id, created_at) values (?, 'sandbox', ?, ?, 'webhooks', 'client_credentials', '[]', 0, null, ?)`);
const clientBatch = db.transaction((from, to) => {
  for (let i = from; i < to; i++) insertClient.run(seededClientId(i), `seeded ${i}`, hex(32), now - 86_400);
});
for (let i = 0; i < CLIENTS; i += BATCH) clientBatch(i, Math.min(CLIENTS, i + BATCH));
log(`${CLIENTS.toLocaleString('en-US')} clients in ${elapsed()}`);

// Tokens: 64-hex digests whose first 8 digits rise with the row number and whose other 56 are random, so the
// primary key grows by appends while the keys stay spread evenly over the whole hex range like HMAC output.
const insertToken = db.prepare(`insert into tokens (hash, kind, client_id, environment, scope, issued_at, expires_at,
  revoked_at, grant_id, subject) values (?, 'access', ?, 'sandbox', 'webhooks', ?, ?, null, null, null)`);
const expiresAt = now + 30 * 86_400; // live for a month, so a seeded database stays usable for later runs
const tokenBatch = db.transaction((from, to) => {
  const rnd = randomBytes(28 * (to - from)).toString('hex');
  for (let i = from; i < to; i++) {
    const prefix = Math.floor((i * 2 ** 32) / TOKENS).toString(16).padStart(8, '0');
    const k = (i - from) * 56;
    const issued = now - randomInt(3600);
    insertToken.run(prefix + rnd.slice(k, k + 56), seededClientId(randomInt(CLIENTS)), issued, expiresAt);
  }
});
for (let i = 0; i < TOKENS; i += BATCH) {
  tokenBatch(i, Math.min(TOKENS, i + BATCH));
  if ((i / BATCH) % 20 === 19) log(`${(i + BATCH).toLocaleString('en-US')} tokens, ${elapsed()}`);
}
const loaded = (Date.now() - t0) / 1000;
log(`${TOKENS.toLocaleString('en-US')} tokens in ${elapsed()}; recreating ${indexes.length} indexes`);
for (const ix of indexes) db.exec(ix.sql);
db.pragma('wal_checkpoint(TRUNCATE)');
db.close();
const seconds = (Date.now() - t0) / 1000;
log(`done in ${elapsed()}: ${DB}`);
writeFileSync(META, JSON.stringify({ clients: CLIENTS, tokens: TOKENS, seededAt: new Date().toISOString(), seconds, rowsSeconds: loaded, expiresAt }, null, 2) + '\n');
