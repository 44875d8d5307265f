// Soak: a long mixed load against mypos-auth on SQLite (or, with --postgres, on a throw-away
// PostgreSQL database) — 70% client_credentials tokens, 20%
// introspection, 10% wrong secrets over many client ids — sampling RSS (/proc) and heap (/metrics) every
// minute; writes JSON, a Markdown summary and an SVG chart to bench/results/. Growth is judged from minute 10
// on (after warm-up): it should stay under 10%.
//   node bench/soak.mjs [--minutes 30] [--connections 20] [--postgres]
// (--postgres: BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/postgres; results soak-postgres-*)
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const HERE = dirname(fileURLToPath(import.meta.url));
const CLI = join(HERE, '..', 'dist', 'cli', 'main.js');
const { values: flags } = parseArgs({ options: { minutes: { type: 'string', default: '30' }, connections: { type: 'string', default: '20' }, postgres: { type: 'boolean' } } });
const minutes = Number(flags.minutes);
const dir = mkdtempSync(join(tmpdir(), 'mypos-soak-'));
const env = { ...process.env };
let db = `sqlite:${join(dir, 'soak.db')}`;
let dropDatabase = async () => {};
if (flags.postgres) {
  // A database of its own, migrated, dropped at the end; the server key comes from the environment.
  const pg = createRequire(join(HERE, '..', 'package.json'))('pg');
  const adminUrl = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const name = `mypos_soak_${process.pid}_${Date.now()}`;
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  db = url.toString();
  env.MYPOS_AUTH_SERVER_KEY = randomBytes(32).toString('hex');
  execFileSync(process.execPath, [CLI, 'migrate', '--db', db], { env });
  dropDatabase = async () => {
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  };
}
const label = flags.postgres ? 'soak-postgres' : 'soak';
execFileSync(process.execPath, [CLI, 'migrate', '--db', db], { env });
const create = (extra = []) => JSON.parse(execFileSync(process.execPath, [CLI, 'clients', 'create', '--db', db, '--environment', 'sandbox', '--json', ...extra], { env }).toString());
const client = create();
const rs = create(['--resource-server']);
const basic = (id, secret) => 'Basic ' + Buffer.from(`${id}:${secret}`).toString('base64');

// Heap figures come from /metrics, served on the management listener only.
const metricsPort = await new Promise((resolve) => {
  const probe = createServer().listen(0, '127.0.0.1', () => {
    const { port } = probe.address();
    probe.close(() => resolve(port));
  });
});
const server = spawn(process.execPath, [CLI, 'serve', '--db', db, '--sandbox-port', '0', '--production-port', '0', '--metrics-port', String(metricsPort), '--log-level', 'warn',
  '--client-failures-per-minute', '1000000000', '--ip-failures-per-minute', '1000000000', '--introspection-per-second', '1000000000'],
  { stdio: ['ignore', 'pipe', 'inherit'], env });
const base = await new Promise((resolve) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const m = /listening: sandbox (\S+),/.exec(out);
    if (m) resolve(m[1]);
  });
});

async function sample(minute) {
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))[1]) / 1024;
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const heap = Number(/mypos_auth_nodejs_heap_size_used_bytes (\d+(\.\d+)?)/.exec(metrics)?.[1] ?? NaN) / 1048576;
  return { minute, rssMiB: Math.round(rss * 10) / 10, heapMiB: Math.round(heap * 10) / 10 };
}

// A pool of live tokens for introspection, refreshed as the run goes on.
const tokens = [];
for (let i = 0; i < 200; i++) {
  const r = await fetch(`${base}/oauth/token`, { method: 'POST', headers: { authorization: basic(client.client_id, client.client_secret), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
  tokens.push((await r.json()).access_token);
}
let n = 0;
const instance = autocannon({
  url: base,
  connections: Number(flags.connections),
  duration: minutes * 60,
  requests: [{
    method: 'POST',
    path: '/oauth/token',
    setupRequest(req) {
      const k = n++ % 10;
      if (k < 7) return { ...req, path: '/oauth/token', headers: { authorization: basic(client.client_id, client.client_secret), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' };
      if (k < 9) return { ...req, path: '/oauth/introspect', headers: { authorization: basic(rs.client_id, rs.client_secret), 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${tokens[n % tokens.length]}` };
      return { ...req, path: '/oauth/token', headers: { authorization: basic(`Soak${String(n % 100000).padStart(20, '0')}`, 'wrong'), 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' };
    },
  }],
});
const samples = [await sample(0)];
const timer = setInterval(async () => {
  samples.push(await sample(samples.length));
  console.log(`[soak] minute ${samples.at(-1).minute}: RSS ${samples.at(-1).rssMiB} MiB, heap ${samples.at(-1).heapMiB} MiB`);
}, 60_000);
const result = await new Promise((resolve, reject) => instance.on('done', resolve).on('error', reject));
clearInterval(timer);
samples.push(await sample(samples.length));
server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
await dropDatabase();

const from = samples.find((s) => s.minute >= Math.min(10, Math.floor(minutes / 3))) ?? samples[0];
const to = samples.at(-1);
const growth = (a, b) => Math.round(((b - a) / a) * 1000) / 10;
const summary = {
  minutes, connections: Number(flags.connections), requests: result.requests.total, rps: Math.round(result.requests.average),
  p50ms: result.latency.p50, p99ms: result.latency.p99, non2xx: result.non2xx, errors: result.errors,
  rssGrowthPct: growth(from.rssMiB, to.rssMiB), heapGrowthPct: growth(from.heapMiB, to.heapMiB), fromMinute: from.minute, samples,
};
const out = join(HERE, 'results');
mkdirSync(out, { recursive: true });
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
writeFileSync(join(out, `${label}-${stamp}.json`), JSON.stringify(summary, null, 2));
writeFileSync(join(out, `${label}-${stamp}.svg`), chart(samples));
writeFileSync(join(out, `${label}-latest.svg`), chart(samples));
const md = `# Soak ${stamp}${flags.postgres ? ' (PostgreSQL)' : ''}\n\n${minutes} min, ${summary.connections} connections, 70% tokens / 20% introspection / 10% wrong secrets: ` +
  `${summary.requests} requests (${summary.rps}/s), p50 ${summary.p50ms} ms, p99 ${summary.p99ms} ms, non-2xx ${summary.non2xx} (the wrong secrets), errors ${summary.errors}.\n\n` +
  `From minute ${from.minute} to ${to.minute}: RSS ${from.rssMiB} → ${to.rssMiB} MiB (${summary.rssGrowthPct}%), heap ${from.heapMiB} → ${to.heapMiB} MiB (${summary.heapGrowthPct}%).\n\n![RSS and heap](${label}-latest.svg)\n`;
writeFileSync(join(out, `${label}-latest.md`), md);
console.log(md);
rmSync(dir, { recursive: true, force: true });

function chart(points) {
  const W = 640, H = 240, P = 40;
  const maxY = Math.max(...points.map((p) => p.rssMiB)) * 1.1;
  const maxX = Math.max(1, points.at(-1).minute);
  const x = (m) => P + (m / maxX) * (W - 2 * P);
  const y = (v) => H - P - (v / maxY) * (H - 2 * P);
  const line = (key) => points.map((p, i) => `${i ? 'L' : 'M'}${x(p.minute).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="11">
<rect width="${W}" height="${H}" fill="#fff"/>
<line x1="${P}" y1="${H - P}" x2="${W - P}" y2="${H - P}" stroke="#999"/><line x1="${P}" y1="${P}" x2="${P}" y2="${H - P}" stroke="#999"/>
<text x="${W / 2}" y="${H - 8}" text-anchor="middle">minutes</text><text x="8" y="${P - 10}">MiB (max ${maxY.toFixed(0)})</text>
<path d="${line('rssMiB')}" fill="none" stroke="#1d4ed8" stroke-width="2"/><path d="${line('heapMiB')}" fill="none" stroke="#b45309" stroke-width="2"/>
<text x="${W - P}" y="${P}" text-anchor="end" fill="#1d4ed8">RSS</text><text x="${W - P}" y="${P + 14}" text-anchor="end" fill="#b45309">heap used</text>
</svg>`;
}
