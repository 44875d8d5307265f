import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../packages/client/src/index.js';
import { BACKENDS } from '../helpers/backends.js';
import { CLI, startServe, type ServeProcess } from '../helpers/cli.js';
import { startReceiver } from '../webhooks/helpers.js';

const KEY = randomBytes(32).toString('hex');
const WEBHOOK_SECRET = 'whsec-two-terminals';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The built CLI, as an integrator runs it in a second terminal. */
function run(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

/** Resolves once `read()` matches `pattern`, re-checking as output arrives; fails after 20 s with what was seen. */
async function waitForOutput(read: () => string, pattern: RegExp): Promise<RegExpExecArray> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const m = pattern.exec(read());
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`no ${pattern} in:\n${read()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(BACKENDS)('listen and trigger from a fresh database on $name: two terminals, one local receiver', (backend) => {
  let db: Awaited<ReturnType<typeof backend.create>>;
  const nodes: ServeProcess[] = [];
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let client: { client_id: string; client_secret: string };
  let listen: { child: ChildProcessWithoutNullStreams; stdout: () => string; stderr: () => string; exited: Promise<number | null> };
  const env = { MYPOS_AUTH_SERVER_KEY: KEY };
  const clientEnv = () => ({ MYPOS_CLIENT_SECRET: client.client_secret });
  // On PostgreSQL the integrator's two terminals talk to two server nodes: listen to the first, trigger to the second.
  const listenNode = () => nodes[0]!.urls.sandbox;
  const triggerNode = () => nodes.at(-1)!.urls.sandbox;
  const flags = (base: string) => ['--client-id', client.client_id, '--token-url', `${base}/oauth/token`];

  async function api(path: string, init: RequestInit = {}) {
    const basic = Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64');
    const token = await fetch(`${listenNode()}/oauth/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&scope=webhooks',
    });
    const { access_token } = (await token.json()) as { access_token: string };
    const res = await fetch(`${triggerNode()}/v1${path}`, { ...init, headers: { authorization: `Bearer ${access_token}` } });
    return res.json() as Promise<any>;
  }

  beforeAll(async () => {
    db = await backend.create();
    const url = db.url;
    for (let i = 0; i < (backend.name === 'postgres' ? 2 : 1); i++) nodes.push(await startServe(['--db', url, '--log-level', 'trace'], env));
    client = JSON.parse((await run(['clients', 'create', '--db', url, '--environment', 'sandbox', '--json'], env)).stdout);
    receiver = await startReceiver(() => 202);
  }, 60_000);

  afterAll(async () => {
    if (listen && listen.child.exitCode === null) listen.child.kill('SIGKILL');
    for (const n of nodes) {
      n.child.kill('SIGTERM');
      await n.exited;
    }
    await receiver?.close();
    await db?.cleanup();
  });

  it('listen registers a session and says it is ready', async () => {
    const child = spawn(process.execPath, [CLI, 'listen', '--forward-to', receiver.url, ...flags(listenNode())], {
      env: { PATH: process.env.PATH ?? '', ...clientEnv(), MYPOS_WEBHOOK_SECRET: WEBHOOK_SECRET },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d));
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    listen = { child, stdout: () => stdout, stderr: () => stderr, exited };
    await waitForOutput(listen.stderr, /Ready: listen session \S+ takes pos\.payment\.completed, .*account\.out-bank-transfer\.approved; forwarding to /);
    // The receiver's secret came from the environment: it is not printed.
    expect(stderr).not.toContain(WEBHOOK_SECRET);
    expect(stderr).not.toContain(client.client_secret);
    const hooks = await api('/webhooks');
    expect(hooks.webhooks).toHaveLength(1);
    expect(hooks.webhooks[0].payload_url).toMatch(/^listen:/);
    expect((await api('/subscriptions')).pagination.total).toBe(8);
  });

  it('trigger pos.payment.completed reaches the receiver with the original headers and body, signed so the SDK verifies it', async () => {
    const r = await run(['trigger', 'pos.payment.completed', '--tid', 'TID42', ...flags(triggerNode())], clientEnv());
    expect(r).toMatchObject({ code: 0 });
    const queued = /queued for 1 subscription\n {2}notification (\S+) → listen:/.exec(r.stdout);
    expect(queued, r.stdout + r.stderr).not.toBeNull();
    const notificationId = queued![1]!;

    await receiver.waitFor(1);
    const got = receiver.received[0]!;
    expect(got.headers).toMatchObject({
      'content-type': 'application/json',
      'user-agent': 'mypos-auth-webhooks/1',
      'x-mypos-event': 'pos.payment.completed',
      'x-mypos-delivery': notificationId,
    });
    const payload = JSON.parse(got.body);
    expect(payload).toMatchObject({ event: 'pos.payment.completed', sandbox: true, data: { tid: 'TID42', status: 'completed' } });
    const signature = got.headers['x-mypos-signature'] as string;
    expect(verifyWebhookSignature(got.body, signature, WEBHOOK_SECRET, { requireV2: true }).version).toBe('v2');
    expect(() => verifyWebhookSignature(got.body, signature, 'another-secret')).toThrow(/No signature matches/);

    // The body is exactly what the server stored and signed.
    const stored = await api(`/notifications/${notificationId}`);
    expect(JSON.parse(got.body)).toEqual(stored.payload);
    await waitForOutput(listen.stdout, new RegExp(`\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d  pos\\.payment\\.completed  ${notificationId}  → 202  signature verified \\(v2\\)\\n`));

    // The receiver's answer is the delivery's recorded outcome.
    const deadline = Date.now() + 10_000;
    let n = stored;
    while (n.status !== 'delivered' && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 100));
      n = await api(`/notifications/${notificationId}`);
    }
    expect(n).toMatchObject({ status: 'delivered', response_code: 202, url: expect.stringMatching(/^listen:/) });
    expect(n.attempts).toMatchObject([{ kind: 'automatic', ok: true, response_code: 202 }]);

    // mypos-auth resend: a second attempt through the same session, recorded as a manual resend.
    const resent = await run(['resend', notificationId, ...flags(triggerNode())], clientEnv());
    expect(resent.stdout).toMatch(new RegExp(`^resent ${notificationId} \\(pos\\.payment\\.completed\\) to listen:\\S+: 202\\n$`));
    expect(resent.code).toBe(0);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.body).toBe(got.body);
    expect((await api(`/notifications/${notificationId}`)).attempts.map((a: { kind: string }) => a.kind)).toEqual(['automatic', 'manual_resend']);
  });

  it('an unknown event is refused, naming the known ones; production refuses trigger', async () => {
    const r = await run(['trigger', 'pos.payment.exploded', ...flags(triggerNode())], clientEnv());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^mypos-auth: unknown event "pos\.payment\.exploded"; the known events are pos\.payment\.completed, .*\(GET \/v1\/events lists them\)\n$/);

    const prod = JSON.parse((await run(['clients', 'create', '--db', db.url, '--environment', 'production', '--json'], env)).stdout);
    const p = await run(['trigger', 'pos.payment.completed', '--client-id', prod.client_id, '--token-url', `${nodes[0]!.urls.production}/oauth/token`], {
      MYPOS_CLIENT_SECRET: prod.client_secret,
    });
    expect(p.code).toBe(1);
    expect(p.stderr).toMatch(/sandbox_only: Triggered events exist only in the sandbox \(HTTP 403\)/);
  });

  it('SIGTERM ends listen: its webhook and subscriptions are removed', async () => {
    listen.child.kill('SIGTERM');
    expect(await listen.exited).toBe(0);
    expect(listen.stderr()).toMatch(/Ended listen session \S+: its webhook and 8 subscriptions are removed/);
    expect((await api('/webhooks')).webhooks).toEqual([]);
    expect((await api('/subscriptions')).pagination.total).toBe(0);
  });
});
