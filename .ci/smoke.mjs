// Smoke run of an installed checkout on the Node.js first on PATH: the `npm start` server (with
// --demo-client, on a fresh SQLite database), a token, introspection, revocation, SIGTERM → exit 0.
// Usage: node .ci/smoke.mjs CHECKOUT_DIR
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const checkout = resolve(process.argv[2] ?? '.');
const dataDir = mkdtempSync(join(tmpdir(), 'mypos-auth-smoke-'));
const fail = (message) => {
  console.error(`smoke (${process.version}): FAILED: ${message}`);
  process.exit(1);
};

const child = spawn(process.execPath, [
  join(checkout, 'dist/cli/main.js'), 'serve', '--demo-client', '--log-level', 'warn',
  '--db', `sqlite:${join(dataDir, 'auth.db')}`, '--sandbox-port', '0', '--production-port', '0', '--metrics-port', '0',
], { cwd: checkout });
let out = '';
child.stdout.on('data', (d) => (out += d));
child.stderr.on('data', (d) => (out += d));
const exited = new Promise((r) => child.on('exit', (code, signal) => r(code ?? signal)));
let running = false;
const timer = setTimeout(() => fail(`server did not start in 20 s:\n${out}`), 20_000);

const started = await new Promise((r) => {
  const check = () => {
    const m = /listening: sandbox (\S+), production (\S+)/.exec(out);
    const id = /Client ID:\s+(\S+)/.exec(out)?.[1];
    const secret = /Client Secret:\s+(\S+)/.exec(out)?.[1];
    if (m && id && secret) r({ base: m[1].replace(/,$/, ''), id, secret });
  };
  child.stdout.on('data', check);
  void exited.then((code) => running || fail(`server exited early (${code}):\n${out}`));
});
clearTimeout(timer);
running = true;

const basic = 'Basic ' + Buffer.from(`${started.id}:${started.secret}`).toString('base64');
const post = (path, body) =>
  fetch(`${started.base}${path}`, {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body),
  });

const token = await post('/oauth/token', { grant_type: 'client_credentials', scope: 'webhooks' });
const issued = await token.json();
if (token.status !== 200 || !/^[A-Za-z0-9]{42}$/.test(issued.access_token ?? '')) fail(`token: ${token.status}`);
const alive = await (await post('/oauth/introspect', { token: issued.access_token })).json();
if (alive.active !== true) fail('introspection of a fresh token: not active');
const revoked = await post('/oauth/revoke', { token: issued.access_token });
if (revoked.status !== 200) fail(`revoke: ${revoked.status}`);
const dead = await (await post('/oauth/introspect', { token: issued.access_token })).json();
if (dead.active !== false) fail('introspection after revocation: still active');

child.kill('SIGTERM');
const code = await exited;
rmSync(dataDir, { recursive: true, force: true });
if (code !== 0) fail(`exit after SIGTERM: ${code}`);
console.log(`smoke (${process.version}): start, token, introspection, revocation, SIGTERM exit 0: ok`);
