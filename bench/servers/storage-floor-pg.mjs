// The storage floor on PostgreSQL: the least any server must do on this stack (Node, Fastify, pg, every
// token committed by PostgreSQL before its reply) for each scenario, and nothing more. It runs on a database
// made by mypos-auth's own migrations (the same table and indexes, so the same insert cost) with
// PostgreSQL's default durability (synchronous_commit on), keyed hashing (HMAC-SHA-256 of the secret and of
// every token), prepared (named) statements, the reads of an event-loop turn in one `= any($1)` statement,
// the inserts in one `unnest` statement (one commit, one WAL flush; one such statement in flight, the rows
// that arrive meanwhile form the next), and hand-written replies. It checks nothing an OAuth server must
// check beyond the secret and the token's row: no parameter validation, no scope rules, no rate limits, no
// logging, no metrics, no error bodies. A target this server misses is out of reach on this stack (for the
// `--workers 2` ratio: out of reach with batched statements; UNBATCHED=1 shows the ratio without them).
// FLOOR_PG_URL names the (migrated, empty) database; WORKERS=2 runs it as two cluster workers, each with its
// own pool and batching, the way `serve --workers 2` runs; UNBATCHED=1 gives every look-up and insert its own
// statement (what the batching is worth, and what a second worker costs without it).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import cluster from 'node:cluster';
import { floorApp, hmacWith, tokenMinter } from './floor-common.mjs';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const pg = createRequire(join(ROOT, 'package.json'))('pg');

const clientId = process.env.CLIENT_ID ?? 'bench-client';
const clientSecret = process.env.CLIENT_SECRET ?? 'bench-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const url = process.env.FLOOR_PG_URL;
if (!url) throw new Error('FLOOR_PG_URL names the migrated database this server runs on');
const workers = Number(process.env.WORKERS ?? 1);
const unbatched = process.env.UNBATCHED === '1';
const INT8_OID = 20;

const now = () => Math.floor(Date.now() / 1000);
const newPool = () => new pg.Pool({
  connectionString: url,
  max: 10,
  types: { getTypeParser: (oid, format) => (oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format)) },
});

if (cluster.isPrimary) {
  const key = randomBytes(32).toString('hex');
  const setup = newPool();
  await setup.query(`insert into clients (id, environment, name, secret_hash, scopes, grant_types, redirect_uris, is_resource_server, created_at)
    values ($1, 'sandbox', 'floor', $2, 'webhooks', 'client_credentials', '[]', 1, $3)`, [clientId, hmacWith(Buffer.from(key, 'hex'))('client_secret', clientSecret), now()]);
  await setup.end();
  if (workers === 1) {
    await serve(key);
  } else {
    let ready = 0;
    for (let i = 0; i < workers; i++) {
      cluster.fork({ FLOOR_KEY: key }).on('message', (m) => {
        if (m?.ready && ++ready === workers) process.stdout.write(JSON.stringify({ ready: true, base: m.base }) + '\n');
      });
    }
    process.on('SIGTERM', () => {
      for (const w of Object.values(cluster.workers)) w.process.kill('SIGTERM');
      setTimeout(() => process.exit(0), 500);
    });
  }
} else {
  await serve(process.env.FLOOR_KEY);
}

async function serve(hexKey) {
  const pool = newPool();
  pool.on('error', () => {});
  const hmac = hmacWith(Buffer.from(hexKey, 'hex'));

  // The reads of one turn in one statement; each caller gets the row for its own key.
  function readBatcher(name, text, keyOf) {
    if (unbatched) return (key) => pool.query({ name, text, values: [[key]], rowMode: 'array' }).then((res) => res.rows[0]);
    let pending = new Map();
    return (key) => new Promise((done, fail) => {
      if (pending.size === 0) {
        setImmediate(() => {
          const batch = pending;
          pending = new Map();
          pool.query({ name, text, values: [[...batch.keys()]], rowMode: 'array' }).then((res) => {
            const rows = new Map(res.rows.map((r) => [keyOf(r), r]));
            for (const [k, waiting] of batch) for (const w of waiting) w.done(rows.get(k));
          }, (err) => { for (const waiting of batch.values()) for (const w of waiting) w.fail(err); });
        });
      }
      const waiting = pending.get(key);
      if (waiting) waiting.push({ done, fail }); else pending.set(key, [{ done, fail }]);
    });
  }
  // Group commit: one statement at a time; the rows of the turns it spans form the next.
  function writeBatcher(write) {
    if (unbatched) return (item) => write([item]);
    let queue = [];
    let busy = false;
    async function flush() {
      busy = true;
      while (queue.length > 0) {
        const batch = queue;
        queue = [];
        try { await write(batch.map((b) => b.item)); for (const b of batch) b.done(); } catch (err) { for (const b of batch) b.fail(err); }
      }
      busy = false;
    }
    return (item) => new Promise((done, fail) => {
      if (queue.length === 0 && !busy) setImmediate(flush);
      queue.push({ item, done, fail });
    });
  }

  // Positions below follow these column lists.
  const findClient = readBatcher('floor_clients', 'select id, secret_hash, merchant_id, environment, scopes, grant_types from clients where id = any($1::text[]) and deleted_at is null', (r) => r[0]);
  const findToken = readBatcher('floor_tokens', 'select hash, client_id, scope, issued_at, expires_at, revoked_at, kind, environment from tokens where hash = any($1::text[])', (r) => r[0]);
  const insertLater = writeBatcher((rows) => pool.query({
    name: 'floor_insert',
    text: `insert into tokens (hash, kind, client_id, environment, scope, issued_at, expires_at)
      select h, 'access', $2, 'sandbox', 'webhooks', i, e from unnest($1::text[], $3::bigint[], $4::bigint[]) as t(h, i, e)`,
    values: [rows.map((r) => r.hash), clientId, rows.map((r) => r.iat), rows.map((r) => r.exp)],
  }));
  const revokeLater = writeBatcher((rows) => pool.query({
    name: 'floor_revoke',
    text: 'update tokens set revoked_at = $2 where hash = any($1::text[]) and revoked_at is null',
    values: [rows.map((r) => r.hash), now()],
  }));
  const listWebhooks = (owner) => pool.query({
    name: 'floor_webhooks',
    text: 'select * from webhooks where owner = $1 and environment = $2 and deleted_at is null order by created_at, id limit 20',
    values: [owner, 'sandbox'],
  });

  const newToken = tokenMinter();
  const tokenKey = (value) => value.slice(0, 9) + hmac('token', value);

  // The client behind `Authorization: Basic`, or undefined: one (batched) look-up and one constant-time comparison.
  async function basicClient(header) {
    if (header === undefined || !header.startsWith('Basic ')) return undefined;
    const decoded = Buffer.from(header.slice(6), 'base64').toString();
    const colon = decoded.indexOf(':');
    const row = await findClient(decoded.slice(0, colon));
    if (row === undefined) return undefined;
    const presented = Buffer.from(hmac('client_secret', decoded.slice(colon + 1)), 'hex');
    return timingSafeEqual(presented, Buffer.from(row[1], 'hex')) ? row : undefined;
  }

  const { app, json, refuse } = floorApp();

  app.post('/oauth/token', async (request, reply) => {
    if ((await basicClient(request.headers.authorization)) === undefined) return refuse(reply);
    if (request.body.get('grant_type') !== 'client_credentials') return reply.code(400).send('{"error":"unsupported_grant_type"}');
    const value = newToken();
    const iat = now();
    await insertLater({ hash: tokenKey(value), iat, exp: iat + 3600 });
    return json(reply, { access_token: value, token_type: 'Bearer', expires_in: 3600, scope: 'webhooks' });
  });

  app.post('/oauth/introspect', async (request, reply) => {
    if ((await basicClient(request.headers.authorization)) === undefined) return refuse(reply);
    const row = await findToken(tokenKey(request.body.get('token') ?? ''));
    if (row === undefined || row[5] !== null || row[4] <= now()) return json(reply, { active: false });
    return json(reply, { active: true, scope: row[2], client_id: row[1], token_type: 'Bearer', exp: row[4], iat: row[3] });
  });

  app.post('/oauth/revoke', async (request, reply) => {
    if ((await basicClient(request.headers.authorization)) === undefined) return refuse(reply);
    await revokeLater({ hash: tokenKey(request.body.get('token') ?? '') });
    return reply.header('cache-control', 'no-store').send();
  });

  app.get('/v1/webhooks', async (request, reply) => {
    const header = request.headers.authorization ?? '';
    const row = header.startsWith('Bearer ') ? await findToken(tokenKey(header.slice(7))) : undefined;
    if (row === undefined || row[5] !== null || row[4] <= now()) return reply.code(401).send('{"error":"invalid_token"}');
    const client = await findClient(row[1]);
    if (client === undefined) return reply.code(401).send('{"error":"invalid_token"}');
    const hooks = (await listWebhooks(client[2] ?? client[0])).rows;
    return json(reply, { webhooks: hooks, pagination: { page: 1, size: 20, total: hooks.length } });
  });

  app.server.keepAliveTimeout = 60_000;
  const address = await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
  if (cluster.isPrimary) process.stdout.write(JSON.stringify({ ready: true, base: address }) + '\n');
  else process.send({ ready: true, base: address });
  process.on('SIGTERM', () => app.close().then(() => pool.end()).then(() => process.exit(0)));
}
