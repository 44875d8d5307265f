// The storage floor: the least any server must do on this stack (Node, Fastify, better-sqlite3 with every
// token committed) for each scenario, and nothing more. It keeps mypos-auth's schema (the same indexes, so
// the same insert cost), its pragmas (WAL, synchronous=FULL), its keyed hashing (HMAC-SHA-256 of the secret
// and of every token) and its group commit (one transaction per event-loop turn), with prepared statements
// and hand-written replies. It checks nothing an OAuth server must check beyond the secret and the token's
// row: no parameter validation, no scope rules, no rate limits, no logging, no metrics, no error bodies.
// If this row misses a target, no server on this stack meets it with every token durable.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import cluster from 'node:cluster';
import { floorApp, hmacWith, tokenMinter } from './floor-common.mjs';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BetterSqlite3 = createRequire(join(ROOT, 'package.json'))('better-sqlite3');
const { openSqliteStore } = await import(join(ROOT, 'dist/storage/sqlite/connect.js'));

const clientId = process.env.CLIENT_ID ?? 'bench-client';
const clientSecret = process.env.CLIENT_SECRET ?? 'bench-secret-0123456789abcdefghijklmnopqrstuvwxyz';
// WORKERS=2: the same server as two cluster workers on one file, each with its own connection and group
// commit (BEGIN IMMEDIATE waits for the other's lock), the way `serve --workers 2` runs: what a second
// process costs on this stack with none of our code.
const workers = Number(process.env.WORKERS ?? 1);

const now = () => Math.floor(Date.now() / 1000);
if (cluster.isPrimary) {
  const dir = mkdtempSync(join(tmpdir(), 'storage-floor-'));
  const path = join(dir, 'floor.db');
  const key = randomBytes(32).toString('hex');
  // mypos-auth's own migrations make the schema; then the file is opened as mypos-auth opens it.
  await (await openSqliteStore({ path })).close();
  const setup = new BetterSqlite3(path);
  setup.prepare(`insert into clients (id, environment, name, secret_hash, scopes, grant_types, redirect_uris, is_resource_server, created_at)
    values (?, 'sandbox', 'floor', ?, 'webhooks', 'client_credentials', '[]', 1, ?)`).run(clientId, hmacWith(Buffer.from(key, 'hex'))('client_secret', clientSecret), now());
  setup.close();
  if (workers === 1) {
    await serve(path, key);
  } else {
    let ready = 0;
    for (let i = 0; i < workers; i++) {
      cluster.fork({ FLOOR_DB: path, FLOOR_KEY: key }).on('message', (m) => {
        if (m?.ready && ++ready === workers) process.stdout.write(JSON.stringify({ ready: true, base: m.base }) + '\n');
      });
    }
    process.on('SIGTERM', () => {
      for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
      setTimeout(() => { rmSync(dir, { recursive: true, force: true }); process.exit(0); }, 500);
    });
  }
} else {
  await serve(process.env.FLOOR_DB, process.env.FLOOR_KEY);
}

async function serve(path, hexKey) {
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  const hmac = hmacWith(Buffer.from(hexKey, 'hex'));

  // What a token endpoint needs of a client (its secret, environment, scopes, grants, owner), and what a
  // resource server needs of a token; positions below follow these lists.
  const findClient = db.prepare('select id, secret_hash, merchant_id, environment, scopes, grant_types from clients where id = ? and deleted_at is null').raw(true);
  const findToken = db.prepare('select client_id, scope, issued_at, expires_at, revoked_at, kind, environment from tokens where hash = ?').raw(true);
  const listWebhooks = db.prepare('select * from webhooks where owner = ? and environment = ? and deleted_at is null order by created_at, id limit 20').raw(true);
  const insert = db.prepare(`insert into tokens (hash, kind, client_id, environment, scope, issued_at, expires_at, revoked_at, grant_id, subject, rotated_at, family_expires_at)
    values (?, 'access', ?, 'sandbox', 'webhooks', ?, ?, null, null, null, null, null)`);
  const revoke = db.prepare('update tokens set revoked_at = ? where hash = ? and revoked_at is null');

  // Group commit: every write of a turn in one transaction, each reply sent after the commit.
  function batcher(apply) {
    let queue = [];
    const commit = db.transaction((items) => { for (const item of items) apply(item); });
    return (item) => new Promise((done) => {
      if (queue.length === 0) setImmediate(() => { const batch = queue; queue = []; commit.immediate(batch.map((b) => b.item)); for (const b of batch) b.done(); });
      queue.push({ item, done });
    });
  }
  const insertLater = batcher((t) => insert.run(t.hash, clientId, t.iat, t.exp));
  const revokeLater = batcher((r) => revoke.run(r.at, r.hash));

  const newToken = tokenMinter();
  const tokenKey = (value) => value.slice(0, 9) + hmac('token', value);

  // The client behind `Authorization: Basic`, or undefined: one look-up and one constant-time HMAC comparison.
  function basicClient(header) {
    if (header === undefined || !header.startsWith('Basic ')) return undefined;
    const decoded = Buffer.from(header.slice(6), 'base64').toString();
    const colon = decoded.indexOf(':');
    const row = findClient.get(decoded.slice(0, colon));
    if (row === undefined) return undefined;
    const presented = Buffer.from(hmac('client_secret', decoded.slice(colon + 1)), 'hex');
    return timingSafeEqual(presented, Buffer.from(row[1], 'hex')) ? row : undefined;
  }

  const { app, json, refuse } = floorApp();

  app.post('/oauth/token', async (request, reply) => {
    if (basicClient(request.headers.authorization) === undefined) return refuse(reply);
    if (request.body.get('grant_type') !== 'client_credentials') return reply.code(400).send('{"error":"unsupported_grant_type"}');
    const value = newToken();
    const iat = now();
    await insertLater({ hash: tokenKey(value), iat, exp: iat + 3600 });
    return json(reply, { access_token: value, token_type: 'Bearer', expires_in: 3600, scope: 'webhooks' });
  });

  app.post('/oauth/introspect', async (request, reply) => {
    if (basicClient(request.headers.authorization) === undefined) return refuse(reply);
    const row = findToken.get(tokenKey(request.body.get('token') ?? ''));
    if (row === undefined || row[4] !== null || row[3] <= now()) return json(reply, { active: false });
    return json(reply, { active: true, scope: row[1], client_id: row[0], token_type: 'Bearer', exp: row[3], iat: row[2] });
  });

  app.post('/oauth/revoke', async (request, reply) => {
    if (basicClient(request.headers.authorization) === undefined) return refuse(reply);
    await revokeLater({ hash: tokenKey(request.body.get('token') ?? ''), at: now() });
    return reply.header('cache-control', 'no-store').send();
  });

  app.get('/v1/webhooks', async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const row = header.startsWith('Bearer ') ? findToken.get(tokenKey(header.slice(7))) : undefined;
    if (row === undefined || row[4] !== null || row[3] <= now()) return reply.code(401).send('{"error":"invalid_token"}');
    const client = findClient.get(row[0]);
    if (client === undefined) return reply.code(401).send('{"error":"invalid_token"}');
    const hooks = listWebhooks.all(client[2] ?? client[0], 'sandbox');
    return json(reply, { webhooks: hooks, pagination: { page: 1, size: 20, total: hooks.length } });
  });

  app.server.keepAliveTimeout = 60_000;
  const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
  if (cluster.isPrimary) process.stdout.write(JSON.stringify({ ready: true, base: address }) + '\n');
  else process.send({ ready: true, base: address });
  process.on('SIGTERM', () => app.close().then(() => {
    db.close();
    if (cluster.isPrimary) rmSync(dirname(path), { recursive: true, force: true });
    process.exit(0);
  }));
}
