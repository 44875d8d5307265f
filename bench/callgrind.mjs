// Server instructions per request, by callgrind: load-independent, for A/B comparisons on a busy machine.
// Usage: node bench/callgrind.mjs CLI_PATH introspect|webhooks|token N PORT   (prints the total Ir of the server
// process for N sequential keep-alive requests; run it at two N and take the slope, so start-up cancels out)
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const [cliPath, scenario, nStr, port] = process.argv.slice(2);
const N = Number(nStr);
const dir = mkdtempSync(join(tmpdir(), 'ir-'));
const db = `sqlite:${join(dir, 'db.sqlite')}`;
const cli = (args) => execFileSync(process.execPath, [cliPath, ...args], { encoding: 'utf8', env: { ...process.env, MYPOS_AUTH_SERVER_KEY: 'k'.repeat(64) } });
cli(['migrate', '--db', db]);
const c = JSON.parse(cli(['clients', 'create', '--db', db, '--environment', 'sandbox', '--name', 'ir', '--scope', 'webhooks', '--json']));
const out = join(dir, 'cg.out');
const child = spawn('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, process.execPath, cliPath, 'serve', '--db', db, '--log-level', 'warn', '--host', '127.0.0.1', '--metrics-port', '0',
  '--sandbox-port', port, '--production-port', String(Number(port) + 1), '--introspection-per-second', '1000000000', '--client-failures-per-minute', '1000000000', '--ip-failures-per-minute', '1000000000'],
  { env: { ...process.env, MYPOS_AUTH_SERVER_KEY: 'k'.repeat(64) }, stdio: ['ignore', 'pipe', 'pipe'] });
let log = '';
await new Promise((resolve, reject) => {
  const on = (d) => { log += d; if (/listening/.test(log)) resolve(); };
  child.stdout.on('data', on); child.stderr.on('data', on); child.on('exit', () => reject(new Error(log)));
});
const base = `http://127.0.0.1:${port}`;
const auth = 'Basic ' + Buffer.from(`${c.client_id}:${c.client_secret}`).toString('base64');
const tok = async () => (await (await fetch(`${base}/oauth/token`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' })).json()).access_token;
const pool = [];
for (let i = 0; i < 20; i++) pool.push(await tok());
for (let i = 0; i < N; i++) {
  let res;
  if (scenario === 'introspect') res = await fetch(`${base}/oauth/introspect`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${pool[i % 20]}` });
  else if (scenario === 'webhooks') res = await fetch(`${base}/v1/webhooks`, { headers: { authorization: `Bearer ${pool[i % 20]}` } });
  else res = await fetch(`${base}/oauth/token`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  await res.arrayBuffer();
}
child.kill('SIGTERM');
await new Promise((r) => child.on('exit', r));
const files = readdirSync(dir).filter((f) => f.startsWith('cg.out'));
let total = 0;
for (const f of files) { const m = readFileSync(join(dir, f), 'utf8').match(/^(?:summary|totals): (\d+)/m); if (m) total += Number(m[1]); }
console.log(JSON.stringify({ cliPath, scenario, N, Ir: total, files: files.length }));
