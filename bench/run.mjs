#!/usr/bin/env node
// One benchmark run on loopback: a bare node:http ceiling, oidc-provider, @node-oauth/oauth2-server and
// mypos-auth (SQLite; PostgreSQL when reachable; the seeded 10 M-token SQLite database with --big), each
// driven by the same autocannon load. Every figure is also given as a ratio to the ceiling of the same run.
// Usage: node bench/run.mjs [--quick] [--big] [--warmup S] [--duration S] [--connections N]
//        [--servers a,b] [--scenarios a,b] [--out DIR] [--no-postgres] [--cpu-prof] [--repeat N]
// --repeat N makes the whole run N times in rounds and reports each figure's median (rounds.mjs).
import { spawn, execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderMarkdown } from './report.mjs';
import { median, mergeRounds } from './rounds.mjs';
import { checkTargets } from './targets.mjs';
import { seededClientId, SEED_DB, SEED_META } from './seed-ids.mjs';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH_DIR, '..');
const CLI = join(ROOT, 'dist/cli/main.js');
const PG_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    big: { type: 'boolean', default: false },
    warmup: { type: 'string' },
    duration: { type: 'string' },
    connections: { type: 'string' },
    servers: { type: 'string' },
    scenarios: { type: 'string' },
    out: { type: 'string' },
    'no-postgres': { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    repeat: { type: 'string' },
  },
});

const num = (v, d) => (v === undefined || v === '' ? d : Number(v));
const settings = {
  warmupS: num(flags.warmup ?? process.env.BENCH_WARMUP, flags.quick ? 0.5 : 3),
  durationS: num(flags.duration ?? process.env.BENCH_DURATION, flags.quick ? 1 : 10),
  connections: num(flags.connections ?? process.env.BENCH_CONNECTIONS, 50),
  repeat: num(flags.repeat ?? process.env.BENCH_REPEAT, 1),
};
if (!Number.isInteger(settings.repeat) || settings.repeat < 1) throw new Error('--repeat takes a whole number ≥ 1');
const OUT_DIR = resolve(flags.out ?? join(BENCH_DIR, 'results'));

const SCENARIOS = [
  { id: 'token', title: 'client_credentials token' },
  { id: 'introspect', title: 'introspection' },
  { id: 'webhooks', title: 'GET /v1/webhooks (bearer)' },
  // RFC 9449: the same two requests with a fresh DPoP proof each (ES256), beside the bearer ones in one run.
  { id: 'token-dpop', title: 'client_credentials token with a DPoP proof' },
  { id: 'webhooks-dpop', title: 'GET /v1/webhooks (DPoP-bound token and proof)' },
  { id: 'revoke', title: 'revocation (fresh token each)' },
  { id: 'stuffing', title: 'token, 10% wrong secrets' },
];

// ---------------------------------------------------------------------------------------------- helpers

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);
const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return os.availableParallelism() >= 2;
  } catch {
    return false;
  }
})();
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

function pinned(core, cmd, args) {
  return hasTaskset ? ['taskset', ['-c', String(core), cmd, ...args]] : [cmd, args];
}

function freePort() {
  return new Promise((res, rej) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // fields[0] is field 3 (state), fields[1] field 4 (ppid); utime is field 14, stime field 15.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** The server and every process below it (`--workers N` forks its workers), read from /proc. */
function processTree(pid) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(statFields(entry)[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree;
}

/** CPU ticks (user + system) of the server's whole process tree. */
function cpuTicks(pid) {
  let ticks = 0;
  for (const p of processTree(pid)) {
    try {
      const fields = statFields(p);
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return ticks;
}

/** A /proc status figure in kB, summed over the server's process tree. */
function statusKb(pid, key) {
  let kb = 0;
  for (const p of processTree(pid)) {
    try {
      const m = readFileSync(`/proc/${p}/status`, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm'));
      if (m) kb += Number(m[1]);
    } catch {
      // gone meanwhile
    }
  }
  return kb;
}

/** Resets the peak-RSS mark so VmHWM covers the measured window only (Linux ≥ 4.0; silently kept otherwise). */
function resetPeakRss(pid) {
  try {
    for (const p of processTree(pid)) writeFileSync(`/proc/${p}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function cli(args, env = {}, cliPath = CLI) {
  return execFileSync(process.execPath, [cliPath, ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
}

function basic(id, secret) {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function randomAlnum(n) {
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[randomInt(ALNUM.length)];
  return s;
}

/** Starts a server process pinned to core 0 and resolves once it printed `readyPattern`. */
function startProcess(name, cmd, args, { env = {}, readyPattern, timeoutMs = 90_000 }) {
  const [c, a] = pinned(0, cmd, args);
  const child = spawn(c, a, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => {
    err += d; if (process.env.BENCH_SERVER_STDERR) process.stderr.write(d);
    if (err.length > 20_000) err = err.slice(-10_000);
  });
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`${name} did not start in ${timeoutMs} ms: ${err.slice(-2000)}`)), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`${name} exited (${code}) before it was ready: ${err.slice(-2000)}`));
    });
    child.stdout.on('data', (d) => {
      out += d;
      if (readyPattern.test(out)) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        res(child);
      }
    });
  });
}

function stopProcess(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('exit', () => {
      clearTimeout(kill);
      res();
    });
    child.kill('SIGTERM');
  });
}

// ------------------------------------------------------------------------------------- load generator

class Loader {
  static async start() {
    const [c, a] = pinned(1, process.execPath, [join(BENCH_DIR, 'load.mjs')]);
    const child = spawn(c, a, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const l = new Loader(child);
    await l.next('up');
    return l;
  }

  constructor(child) {
    this.child = child;
    this.queue = [];
    this.waiters = [];
    child.on('message', (m) => {
      const w = this.waiters.findIndex((x) => x.type === m.type || m.type === 'error');
      if (w >= 0) {
        const [x] = this.waiters.splice(w, 1);
        if (m.type === 'error') x.rej(new Error(m.message));
        else x.res(m);
      } else this.queue.push(m);
    });
  }

  next(type) {
    const i = this.queue.findIndex((m) => m.type === type || m.type === 'error');
    if (i >= 0) {
      const [m] = this.queue.splice(i, 1);
      return m.type === 'error' ? Promise.reject(new Error(m.message)) : Promise.resolve(m);
    }
    return new Promise((res, rej) => this.waiters.push({ type, res, rej }));
  }

  async issue(server, count, dpop) {
    if (count <= 0) return [];
    this.child.send({ type: 'issue', url: server.base + server.paths.token, ...tokenRequest(server), count, connections: settings.connections, dpop });
    return (await this.next('issued')).tokens;
  }

  /** Warm-up, then the measured window bracketed by the server's CPU counters and peak RSS. */
  async run(server, spec) {
    this.child.send({ type: 'run', url: server.base, spec, ...settings });
    await this.next('measure-ready');
    const rssReset = resetPeakRss(server.pid);
    const before = cpuTicks(server.pid);
    this.child.send({ type: 'go' });
    const { result } = await this.next('result');
    const after = cpuTicks(server.pid);
    const cpuUs = ((after - before) * 1e6) / CLK_TCK;
    return {
      ...result,
      cpuUsPerRequest: result.requests > 0 ? cpuUs / result.requests : null,
      serverCpuSeconds: cpuUs / 1e6,
      peakRssMiB: (statusKb(server.pid, 'VmHWM') ?? 0) / 1024,
      peakRssWindowOnly: rssReset,
    };
  }

  stop() {
    this.child.send({ type: 'exit' });
  }
}

function tokenRequest(server) {
  return {
    headers: { authorization: basic(server.clientId, server.secret), 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials&scope=webhooks',
  };
}

// ------------------------------------------------------------------------------------------- servers

const PEER_CLIENT = { clientId: 'bench-client', secret: `bench-${randomAlnum(43)}` };

async function startNodeScript(name, file, paths, supports, env = {}) {
  const port = await freePort();
  const child = await startProcess(name, process.execPath, [join(BENCH_DIR, 'servers', file)], {
    env: { PORT: String(port), CLIENT_ID: PEER_CLIENT.clientId, CLIENT_SECRET: PEER_CLIENT.secret, ...env },
    readyPattern: /"ready":true/,
  });
  return { name, child, pid: child.pid, base: `http://127.0.0.1:${port}`, paths, supports, ...PEER_CLIENT };
}

/** mypos-auth through its own CLI: `clients create --json`, then `serve` (in-process, one worker). */
async function startOurs(name, db, env = {}, extraArgs = [], cliPath = CLI) {
  cli(['migrate', '--db', db], env, cliPath);
  const created = JSON.parse(cli(['clients', 'create', '--db', db, '--environment', 'sandbox', '--name', 'bench', '--scope', 'webhooks', '--json'], env, cliPath));
  const [sandbox, production] = [await freePort(), await freePort()];
  // --cpu-prof: V8 CPU profiles of our server (written at its exit) for flame graphs, in OUT/profiles/.
  // Node's default file names carry the pid, so each --workers process writes a profile of its own.
  const prof = flags['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', join(OUT_DIR, 'profiles', `${name}-${Date.now()}`)] : [];
  const child = await startProcess(name, process.execPath, [
    ...prof, cliPath, 'serve', '--db', db, '--log-level', 'warn', '--host', '127.0.0.1', '--metrics-port', '0',
    '--sandbox-port', String(sandbox), '--production-port', String(production),
    // The stuffing scenario measures what failed authentications cost, not the 429 path: with the default
    // limits (300 failures per IP per minute) loopback would be locked out within the first second.
    '--client-failures-per-minute', '1000000000', '--ip-failures-per-minute', '1000000000',
    // Likewise the introspection scenario measures introspection, not the per-caller limit (5,000/s by
    // default, which a fast machine exceeds: it answered 429 to 58% of the requests here).
    '--introspection-per-second', '1000000000',
    ...extraArgs,
  ], { env, readyPattern: /listening/ });
  return {
    name, child, pid: child.pid, base: `http://127.0.0.1:${sandbox}`,
    paths: { token: '/oauth/token', introspect: '/oauth/introspect', revoke: '/oauth/revoke', webhooks: '/v1/webhooks' },
    supports: { token: true, introspect: true, revoke: true, webhooks: true, stuffing: true, 'token-dpop': true, 'webhooks-dpop': true },
    clientId: created.client_id, secret: created.client_secret,
  };
}

/** A throw-away PostgreSQL database (dropped at the end), made by our migrations; its URL. */
async function freshPostgresDatabase(ctx, name, env) {
  const db = `mypos_bench_${name.replace(/\W/g, '_')}_${process.pid}_${Date.now()}`;
  await ctx.pg.admin.query(`create database ${db}`);
  ctx.cleanups.push(async () => ctx.pg.admin.query(`drop database if exists ${db} with (force)`));
  const url = dbUrl(PG_URL, db);
  cli(['migrate', '--db', url], env);
  return url;
}

/** Ours on a fresh PostgreSQL database. */
async function startOursOnPostgres(ctx, name, extraArgs = []) {
  const env = { MYPOS_AUTH_SERVER_KEY: ctx.serverKey };
  return startOurs(name, await freshPostgresDatabase(ctx, name, env), env, extraArgs);
}

/** The PostgreSQL storage floor (servers/storage-floor-pg.mjs) on a fresh database with our schema. */
async function startPostgresFloor(ctx, name, workers, unbatched = false) {
  const url = await freshPostgresDatabase(ctx, name, { MYPOS_AUTH_SERVER_KEY: ctx.serverKey });
  return startNodeScript(name, 'storage-floor-pg.mjs', { token: '/oauth/token', introspect: '/oauth/introspect', revoke: '/oauth/revoke', webhooks: '/v1/webhooks' }, ALL,
    { FLOOR_PG_URL: url, WORKERS: String(workers), UNBATCHED: unbatched ? '1' : '0' });
}

async function postgresReachable() {
  if (flags['no-postgres']) return undefined;
  try {
    const pg = createRequire(join(ROOT, 'package.json'))('pg');
    const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
    await c.connect();
    return { pg, admin: c };
  } catch {
    return undefined;
  }
}

function dbUrl(base, name) {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

const needsPostgres = (key) => key.startsWith('ours-postgres') || key.startsWith('storage-floor-pg');
const ALL = { token: true, introspect: true, revoke: true, webhooks: true, stuffing: true };
const SERVER_DEFS = {
  bare: {
    label: 'bare node:http (ceiling)',
    start: () => startNodeScript('bare', 'bare.mjs', { token: '/oauth/token', introspect: '/oauth/introspect', revoke: '/oauth/revoke', webhooks: '/v1/webhooks' }, ALL),
    fakeTokens: true,
  },
  'bare-w2': {
    label: 'bare node:http, 2 workers',
    start: () => startNodeScript('bare-w2', 'bare.mjs', { token: '/oauth/token', introspect: '/oauth/introspect', revoke: '/oauth/revoke', webhooks: '/v1/webhooks' }, ALL, { WORKERS: '2' }),
    fakeTokens: true,
  },
  'fastify-floor': {
    label: 'Fastify alone, fixed reply (framework floor)',
    start: () => startNodeScript('fastify-floor', 'fastify-floor.mjs', { token: '/oauth/token', introspect: '/oauth/introspect', revoke: '/oauth/revoke', webhooks: '/v1/webhooks' }, ALL),
    fakeTokens: true,
  },
  'storage-floor': {
    label: 'Fastify + SQLite, least work (storage floor)',
    start: () => startNodeScript('storage-floor', 'storage-floor.mjs', { token: '/oauth/token', introspect: '/oauth/introspect', revoke: '/oauth/revoke', webhooks: '/v1/webhooks' }, ALL),
  },
  'storage-floor-w2': {
    label: 'Fastify + SQLite, least work, 2 workers',
    start: () => startNodeScript('storage-floor-w2', 'storage-floor.mjs', { token: '/oauth/token', introspect: '/oauth/introspect', revoke: '/oauth/revoke', webhooks: '/v1/webhooks' }, ALL, { WORKERS: '2' }),
  },
  'storage-floor-pg': {
    label: 'Fastify + PostgreSQL, least work (storage floor)',
    start: (ctx) => startPostgresFloor(ctx, 'storage-floor-pg', 1),
  },
  'storage-floor-pg-w2': {
    label: 'Fastify + PostgreSQL, least work, 2 workers',
    start: (ctx) => startPostgresFloor(ctx, 'storage-floor-pg-w2', 2),
  },
  'storage-floor-pg-unbatched': {
    label: 'Fastify + PostgreSQL, least work, one statement per request',
    start: (ctx) => startPostgresFloor(ctx, 'storage-floor-pg-unbatched', 1, true),
  },
  'storage-floor-pg-unbatched-w2': {
    label: 'Fastify + PostgreSQL, least work, one statement per request, 2 workers',
    start: (ctx) => startPostgresFloor(ctx, 'storage-floor-pg-unbatched-w2', 2, true),
  },
  'oidc-provider': {
    label: 'oidc-provider 8.8.1 (memory)',
    start: () => startNodeScript('oidc-provider', 'oidc-provider.mjs', { token: '/token', introspect: '/token/introspection', revoke: '/token/revocation' },
      { token: true, introspect: true, revoke: true, webhooks: false, stuffing: true }),
  },
  'oauth2-server': {
    label: '@node-oauth/oauth2-server 5.3 + express 5 (memory)',
    start: () => startNodeScript('oauth2-server', 'oauth2-server.mjs', { token: '/oauth/token', webhooks: '/v1/webhooks' },
      { token: true, introspect: false, revoke: false, webhooks: true, stuffing: true }),
  },
  'ours-sqlite': {
    label: 'mypos-auth, SQLite',
    async start(ctx) {
      return startOurs('ours-sqlite', `sqlite:${join(ctx.roundDir, 'bench.db')}`);
    },
  },
  'ours-sqlite-w2': {
    label: 'mypos-auth, SQLite, --workers 2',
    async start(ctx) {
      return startOurs('ours-sqlite-w2', `sqlite:${join(ctx.roundDir, 'bench-w2.db')}`, {}, ['--workers', '2']);
    },
  },
  'ours-postgres': {
    label: 'mypos-auth, PostgreSQL',
    start: (ctx) => startOursOnPostgres(ctx, 'ours-postgres'),
  },
  'ours-postgres-w2': {
    label: 'mypos-auth, PostgreSQL, --workers 2',
    start: (ctx) => startOursOnPostgres(ctx, 'ours-postgres-w2', ['--workers', '2']),
  },
  'ours-sqlite-big': {
    label: 'mypos-auth, SQLite, 1 M clients + 10 M tokens',
    async start() {
      if (!existsSync(SEED_DB)) throw new Error(`no seeded database at ${SEED_DB}: run \`npm run bench:seed\` first`);
      return startOurs('ours-sqlite-big', `sqlite:${SEED_DB}`);
    },
  },
};

// BENCH_ALT="name=DIR,…": other builds of ours (DIR/dist/cli/main.js) as servers `alt-<name>` on SQLite, so an
// A/B comparison runs both builds in the same rounds, under the same load.
for (const entry of (process.env.BENCH_ALT ?? '').split(',').filter(Boolean)) {
  const [altName, dir] = entry.split('=');
  const altCli = join(resolve(dir), 'dist/cli/main.js');
  SERVER_DEFS[`alt-${altName}`] = {
    label: `mypos-auth, SQLite, ${altName}`,
    async start(ctx) {
      if (!existsSync(altCli)) throw new Error(`${altCli} is missing: build that tree first`);
      return startOurs(`alt-${altName}`, `sqlite:${join(ctx.roundDir, `bench-alt-${altName}.db`)}`, {}, [], altCli);
    },
  };
}

// ------------------------------------------------------------------------------------------ scenarios

/** The bench client's DPoP key (one per run), and what a proof with it is about. */
const DPOP_KEY = (() => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateJwk: privateKey.export({ format: 'jwk' }), publicJwk: publicKey.export({ format: 'jwk' }) };
})();
function dpopKey(server, htm, path) {
  return { ...DPOP_KEY, htm, htu: server.base + path };
}

function stuffingHeaders(serverName) {
  const list = [];
  if (serverName === 'ours-sqlite-big' && existsSync(SEED_META)) {
    // Wrong secrets for real (seeded) client ids: the lookup finds the row, the HMAC comparison fails.
    const { clients } = JSON.parse(readFileSync(SEED_META, 'utf8'));
    for (let i = 0; i < 10_000; i++) list.push(basic(seededClientId(randomInt(clients)), randomAlnum(48)));
  } else {
    for (let i = 0; i < 10_000; i++) list.push(basic(randomAlnum(24), randomAlnum(48)));
  }
  return list;
}

async function runServer(def, key, ctx, loader, results) {
  log(`starting ${key}`);
  const server = await def.start(ctx);
  try {
    const tokenReq = tokenRequest(server);
    const fake = (n) => Array.from({ length: n }, () => randomAlnum(42));
    let pool;
    const wanted = (id) => ctx.scenarios.includes(id) && server.supports[id];
    if (wanted('introspect') || wanted('webhooks')) pool = def.fakeTokens ? fake(1000) : await loader.issue(server, 1000);
    let tokenRps;
    for (const sc of SCENARIOS) {
      if (!ctx.scenarios.includes(sc.id)) continue;
      if (!server.supports[sc.id]) {
        results.push({ server: key, label: def.label, scenario: sc.id, na: 'not supported by this server' });
        continue;
      }
      let spec;
      const form = 'application/x-www-form-urlencoded';
      const auth = tokenReq.headers.authorization;
      if (sc.id === 'token') {
        spec = { method: 'POST', path: server.paths.token, ...tokenReq };
      } else if (sc.id === 'stuffing') {
        spec = { method: 'POST', path: server.paths.token, ...tokenReq, vary: { kind: 'wrongSecret', list: stuffingHeaders(key) } };
      } else if (sc.id === 'introspect') {
        spec = { method: 'POST', path: server.paths.introspect, headers: { authorization: auth, 'content-type': form }, body: 'token=x', vary: { kind: 'bodyToken', list: pool } };
      } else if (sc.id === 'webhooks') {
        if (!def.fakeTokens) {
          const probe = await fetch(server.base + server.paths.webhooks, { headers: { authorization: `Bearer ${pool[0]}` } });
          await probe.arrayBuffer();
          if (probe.status === 404) {
            results.push({ server: key, label: def.label, scenario: sc.id, na: 'route answers 404 in this build' });
            continue;
          }
        }
        spec = { method: 'GET', path: server.paths.webhooks, headers: {}, vary: { kind: 'bearer', list: pool } };
      } else if (sc.id === 'token-dpop') {
        spec = { method: 'POST', path: server.paths.token, ...tokenReq, vary: { kind: 'dpopProof', list: [], dpop: dpopKey(server, 'POST', server.paths.token) } };
      } else if (sc.id === 'webhooks-dpop') {
        const bound = await loader.issue(server, 1000, dpopKey(server, 'POST', server.paths.token));
        spec = { method: 'GET', path: server.paths.webhooks, headers: {}, vary: { kind: 'dpopToken', list: bound, dpop: dpopKey(server, 'GET', server.paths.webhooks) } };
      } else if (sc.id === 'revoke') {
        // A fresh token per request: enough for the warm-up and the window at twice the measured issuance
        // rate (revocation can outrun issuance, e.g. in oidc-provider; a wrapped pool is flagged in the table).
        const estimate = Math.ceil((tokenRps ?? 5000) * 2 * (settings.warmupS + Math.ceil(settings.durationS) + 1) * 1.2) + 500;
        const n = Math.min(estimate, 400_000);
        log(`${key}: issuing ${n} tokens for the revocation pool`);
        const tokens = def.fakeTokens ? fake(n) : await loader.issue(server, n);
        spec = { method: 'POST', path: server.paths.revoke, headers: { authorization: auth, 'content-type': form }, body: 'token=x', vary: { kind: 'bodyToken', list: tokens, fresh: true } };
      }
      log(`${key}: ${sc.id}`);
      const r = await loader.run(server, spec);
      if (sc.id === 'token') tokenRps = r.rps;
      results.push({ server: key, label: def.label, scenario: sc.id, ...r });
    }
  } finally {
    await stopProcess(server.child);
  }
}

/** Each figure over the ceiling's in the same scenario of the same round. */
function addRatios(results) {
  const ceiling = (sc, field) => results.find((r) => r.server === 'bare' && r.scenario === sc && !r.na)?.[field];
  for (const r of results) {
    if (r.na) continue;
    r.ratio = {};
    for (const f of ['rps', 'p50', 'p99', 'cpuUsPerRequest', 'peakRssMiB']) {
      const c = ceiling(r.scenario, f);
      r.ratio[f] = c && r[f] != null ? r[f] / c : null;
    }
  }
}

/** The seeded database's figures over the empty one's, within one round. */
function bigOverEmpty(results) {
  const big = [];
  for (const r of results.filter((x) => x.server === 'ours-sqlite-big' && !x.na)) {
    const e = results.find((x) => x.server === 'ours-sqlite' && x.scenario === r.scenario && !x.na);
    if (!e) continue;
    big.push({
      scenario: r.scenario,
      rps: r.rps / e.rps,
      p50: r.p50 / e.p50,
      p99: r.p99 / e.p99,
      cpuUsPerRequest: r.cpuUsPerRequest / e.cpuUsPerRequest,
      peakRssMiB: r.peakRssMiB / e.peakRssMiB,
    });
  }
  return big;
}

function machine() {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    nproc: os.availableParallelism(),
    cpuModel: cpuinfo.match(/^model name\s*:\s*(.*)$/m)?.[1] ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    taskset: hasTaskset,
    clockTick: CLK_TCK,
  };
}

// ----------------------------------------------------------------------------------------------- main

async function main() {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const started = new Date();
  const loadStart = os.loadavg();
  const tmp = mkdtempSync(join(os.tmpdir(), 'mypos-bench-'));
  const ctx = { tmp, cleanups: [], serverKey: randomBytes(32).toString('hex') };
  ctx.scenarios = flags.scenarios ? flags.scenarios.split(',') : SCENARIOS.map((s) => s.id);
  for (const s of ctx.scenarios) if (!SCENARIOS.some((x) => x.id === s)) throw new Error(`unknown scenario ${s}`);

  let serverKeys = flags.servers
    ? flags.servers.split(',')
    : ['bare', 'fastify-floor', 'storage-floor', 'storage-floor-w2', 'oidc-provider', 'oauth2-server', 'ours-sqlite', 'ours-sqlite-w2',
      'storage-floor-pg', 'storage-floor-pg-w2', 'ours-postgres', 'ours-postgres-w2'];
  if (flags.big && !serverKeys.includes('ours-sqlite-big')) serverKeys.push('ours-sqlite-big');
  for (const k of serverKeys) if (!SERVER_DEFS[k]) throw new Error(`unknown server ${k}`);
  if (!serverKeys.includes('bare')) serverKeys = ['bare', ...serverKeys];
  const notes = [];
  if (serverKeys.some(needsPostgres)) {
    ctx.pg = await postgresReachable();
    if (!ctx.pg) {
      notes.push(`PostgreSQL not reachable at ${PG_URL.replace(/\/\/[^@]*@/, '//')}: ${serverKeys.filter(needsPostgres).join(', ')} skipped`);
      serverKeys = serverKeys.filter((k) => !needsPostgres(k));
    }
  }

  log(`settings: ${JSON.stringify(settings)}, taskset: ${hasTaskset}, servers: ${serverKeys.join(', ')}`);
  const loader = await Loader.start();
  const rounds = [];
  try {
    for (let round = 1; round <= settings.repeat; round++) {
      if (settings.repeat > 1) log(`round ${round} of ${settings.repeat}`);
      const results = [];
      // Every round starts from empty databases (PostgreSQL: a new database per server start).
      ctx.roundDir = join(tmp, `round-${round}`);
      mkdirSync(ctx.roundDir);
      for (const key of serverKeys) {
        try {
          await runServer(SERVER_DEFS[key], key, ctx, loader, results);
        } catch (err) {
          if (key === 'bare') throw err;
          notes.push(`${key} failed${settings.repeat > 1 ? ` in round ${round}` : ''}: ${err.message.split('\n')[0]}`);
          log(`${key} failed: ${err.stack}`);
        }
      }
      rmSync(ctx.roundDir, { recursive: true, force: true });
      addRatios(results);
      rounds.push(results);
    }
  } finally {
    loader.stop();
    for (const c of ctx.cleanups) await c().catch((e) => log(`cleanup: ${e.message}`));
    await ctx.pg?.admin.end();
    rmSync(tmp, { recursive: true, force: true });
  }

  const results = mergeRounds(rounds);
  const bigRounds = rounds.map(bigOverEmpty);
  const bigRatios = bigRounds[0].map((b) => {
    const same = bigRounds.map((rs) => rs.find((x) => x.scenario === b.scenario)).filter(Boolean);
    return Object.fromEntries(Object.keys(b).map((k) => [k, k === 'scenario' ? b.scenario : median(same.map((x) => x[k]))]));
  });
  const report = {
    version: 1,
    started: started.toISOString(),
    finished: new Date().toISOString(),
    loadAverage: { start: loadStart, end: os.loadavg() },
    machine: machine(),
    settings: { ...settings, serverCore: hasTaskset ? 0 : null, loadCore: hasTaskset ? 1 : null },
    servers: Object.fromEntries(serverKeys.map((k) => [k, SERVER_DEFS[k].label])),
    scenarios: SCENARIOS.filter((s) => ctx.scenarios.includes(s.id)),
    results,
    bigOverEmpty: bigRatios,
    targets: checkTargets(rounds),
    notes,
  };
  const md = renderMarkdown(report);
  mkdirSync(OUT_DIR, { recursive: true });
  const stamp = started.toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(OUT_DIR, `bench-${stamp}.json`), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(OUT_DIR, `bench-${stamp}.md`), md);
  writeFileSync(join(OUT_DIR, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(OUT_DIR, 'latest.md'), md);
  process.stdout.write(md);
  log(`results written to ${OUT_DIR}`);
}

main().catch((err) => {
  log(err.stack ?? String(err));
  process.exit(1);
});
