// better-sqlite3 against Node's built-in node:sqlite on the token hot path's own statements, side by side
// in one run: our schema (made by our migrations), WAL with synchronous=FULL, the client look-up, the token
// look-up, and token inserts committed in groups of 16 (one fsync per group, as the group commit does).
// Usage: npm run build && node bench/sqlite-drivers.mjs [--rounds 3] [--ops 20000]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const { values: args } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, ops: { type: 'string', default: '20000' } } });
const rounds = Number(args.rounds);
const ops = Number(args.ops);

const { openSqliteStore } = await import('../dist/storage/sqlite/connect.js');
const { CLIENT_COLUMNS, TOKEN_COLUMNS } = await import('../dist/storage/records.js');

const dir = mkdtempSync(join(tmpdir(), 'mypos-auth-drivers-'));
const path = join(dir, 'db.sqlite');
const store = await openSqliteStore({ path });
await store.close();

const BetterSqlite3 = require('better-sqlite3');
const { DatabaseSync } = await import('node:sqlite');

const drivers = {
  'better-sqlite3': () => {
    const db = new BetterSqlite3(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const prep = (sql) => { const s = db.prepare(sql); return s.reader ? s.raw(true) : s; };
    return { prep, get: (s, ...v) => s.get(...v), run: (s, ...v) => s.run(...v), exec: (sql) => db.exec(sql), close: () => db.close() };
  },
  'node:sqlite': () => {
    const db = new DatabaseSync(path);
    db.exec('pragma journal_mode = WAL; pragma synchronous = FULL;');
    const prep = (sql) => db.prepare(sql);
    // node:sqlite has no raw mode on every supported line; rows come back as objects.
    return { prep, get: (s, ...v) => s.get(...v), run: (s, ...v) => s.run(...v), exec: (sql) => db.exec(sql), close: () => db.close() };
  },
};

const clientIds = Array.from({ length: 1000 }, () => randomBytes(12).toString('hex').slice(0, 24));
const tokenKeys = [];
{
  const d = drivers['better-sqlite3']();
  const ins = d.prep(`insert into clients (id, secret_hash, environment, name, scopes, grant_types, created_at) values (?, ?, 'sandbox', 'bench', 'webhooks', 'client_credentials', 0)`);
  d.exec('begin');
  for (const id of clientIds) d.run(ins, id, randomBytes(32).toString('hex'));
  d.exec('commit');
  d.close();
}

function measure(name) {
  const d = drivers[name]();
  const findClient = d.prep(`select ${CLIENT_COLUMNS.join(', ')} from clients where id = ? and deleted_at is null`);
  const findToken = d.prep(`select ${TOKEN_COLUMNS.join(', ')} from tokens where hash = ?`);
  const insert = d.prep(
    `insert into tokens (hash, kind, client_id, environment, scope, issued_at, expires_at, revoked_at, grant_id, subject, rotated_at, family_expires_at)
     values (?, 'access', ?, 'sandbox', 'webhooks', 0, 4102444800, null, null, null, null, null)`,
  );
  const out = {};
  let t = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) d.get(findClient, clientIds[i % clientIds.length]);
  out.clientLookupUs = Number(process.hrtime.bigint() - t) / 1000 / ops;

  t = process.hrtime.bigint();
  for (let i = 0; i < ops; i += 16) {
    d.exec('begin immediate');
    for (let j = 0; j < 16; j++) {
      const key = randomBytes(21).toString('base64url');
      tokenKeys.push(key);
      d.run(insert, key, clientIds[(i + j) % clientIds.length]);
    }
    d.exec('commit');
  }
  out.insertUsPerToken = Number(process.hrtime.bigint() - t) / 1000 / ops;

  t = process.hrtime.bigint();
  for (let i = 0; i < ops; i++) d.get(findToken, tokenKeys[(tokenKeys.length - 1 - i * 7919) % tokenKeys.length] ?? tokenKeys[0]);
  out.tokenLookupUs = Number(process.hrtime.bigint() - t) / 1000 / ops;
  d.close();
  return out;
}

const results = { 'better-sqlite3': [], 'node:sqlite': [] };
for (let r = 0; r < rounds; r++) for (const name of Object.keys(drivers)) results[name].push(measure(name));
rmSync(dir, { recursive: true, force: true });

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = ['clientLookupUs', 'tokenLookupUs', 'insertUsPerToken'].map((k) => {
  const b = median(results['better-sqlite3'].map((x) => x[k]));
  const n = median(results['node:sqlite'].map((x) => x[k]));
  return `| ${k} | ${b.toFixed(2)} | ${n.toFixed(2)} | ${(n / b).toFixed(2)}× |`;
});
console.log(`Node ${process.version}, ${rounds} rounds of ${ops} operations, medians (µs per operation; lower is better)\n`);
console.log('| operation | better-sqlite3 | node:sqlite | node:sqlite ÷ better-sqlite3 |\n|---|---:|---:|---:|');
console.log(rows.join('\n'));
