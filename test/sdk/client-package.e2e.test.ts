import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type ServeProcess } from '../helpers/cli.js';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLIENT = join(ROOT, 'packages/client');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const SOURCES = readdirSync(join(CLIENT, 'src')).map((f) => f.replace(/\.ts$/, ''));
/** npm as an integrator's machine without a registry would run it: offline, its own empty cache. */
const npmEnv = (cache: string) => ({
  ...process.env,
  npm_config_offline: 'true',
  npm_config_cache: cache,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
});

/**
 * What an integrator writes, once per module system: a token, the Webhook API through the SDK's fetch (a webhook
 * to this script's own receiver, a subscription, a sandbox fake event), the delivery's signature checked, and the
 * JWT access token checked against the server's JWKS. Prints one JSON line of what it saw.
 */
const FLOW = `
const base = process.env.BASE;
const client = new sdk.TokenClient({
  clientId: process.env.MYPOS_CLIENT_ID,
  clientSecret: process.env.MYPOS_CLIENT_SECRET,
  environment: { tokenUrl: base + '/oauth/token' },
  scope: 'webhooks',
});
const token = await client.getToken();

let delivered;
const delivery = new Promise((resolve) => (delivered = resolve));
const receiver = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    res.writeHead(204).end();
    delivered({ body: Buffer.concat(chunks), signature: req.headers['x-mypos-signature'] });
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const form = (fields) => ({ method: 'POST', body: new URLSearchParams(fields) });
const hook = await client.fetch(base + '/v1/webhooks', form({ payload_url: 'http://127.0.0.1:' + receiver.address().port + '/hook', secret: 'consumer-webhook-secret' }));
const webhook = await hook.json();
const sub = await client.fetch(base + '/v1/subscriptions', form({ webhook_id: webhook.id, event_id: 'pos.payment.completed' }));
const subscription = await sub.json();
const fake = await client.fetch(base + '/v1/subscriptions/' + subscription.id + '/fake', { method: 'POST' });
const got = await Promise.race([delivery, new Promise((_, reject) => setTimeout(() => reject(new Error('no delivery in 20 s')), 20000).unref())]);
receiver.close();

const signed = sdk.verifyWebhookSignature(got.body, got.signature, 'consumer-webhook-secret', { requireV2: true });
const refusal = (fn) => { try { fn(); return 'accepted'; } catch (err) { return err.name + ' ' + err.code; } };
const tampered = refusal(() => sdk.verifyWebhookSignature(Buffer.concat([got.body, Buffer.from(' ')]), got.signature, 'consumer-webhook-secret'));

const { issuer } = await (await fetch(base + '/.well-known/oauth-authorization-server')).json();
const verifier = new sdk.AccessTokenVerifier({ issuer, audience: issuer });
const claims = await verifier.verify(token);
const [h, p, s] = token.split('.');
const widened = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url')), scope: 'webhooks transactions devices' })).toString('base64url');
const forged = await verifier.verify(h + '.' + widened + '.' + s).then(() => 'accepted', (err) => err.name + ' ' + err.code);

const wrong = new sdk.TokenClient({ clientId: process.env.MYPOS_CLIENT_ID, clientSecret: 'x'.repeat(48), environment: { tokenUrl: base + '/oauth/token' }, retry: { retries: 0 } });
const badSecret = await wrong.getToken().then(() => 'accepted', (err) => (err instanceof sdk.OAuthRequestError ? err.code + ' ' + err.error + ' ' + err.status : 'other'));

console.log(JSON.stringify({
  loaded, jwtParts: token.split('.').length,
  statuses: [hook.status, sub.status, fake.status],
  signed: signed.version, tampered,
  claims: { iss: claims.iss === issuer, client_id: claims.client_id, scope: claims.scope },
  forged, badSecret,
}));
`;

const ESM = `import * as sdk from '@mypos-auth/client';
import http from 'node:http';
const loaded = import.meta.resolve('@mypos-auth/client');
${FLOW}`;

const CJS = `const sdk = require('@mypos-auth/client');
const http = require('node:http');
const loaded = require.resolve('@mypos-auth/client');
(async () => {
${FLOW}
})().catch((err) => { console.error(err); process.exit(1); });
`;

/** A TypeScript consumer; `@ts-expect-error` fails the check if the types were missing (everything \`any\`). */
const TS = `import { AccessTokenVerifier, OAuthRequestError, TokenClient, verifyWebhookSignature, type AccessTokenClaims } from '@mypos-auth/client';
import type { DpopOptions, PrivateKeyInput, PrivateKeyJwtOptions, SigningAlgorithm } from '@mypos-auth/client';

const client = new TokenClient({ clientId: 'id', clientSecret: 'secret', environment: 'sandbox', scope: ['webhooks'] });

export async function use(): Promise<[string, Response, AccessTokenClaims, 'v1' | 'v2']> {
  const token: string = await client.getToken();
  const res: Response = await client.fetch('https://sandbox-webhook-api.mypos.com/v1/webhooks');
  const claims = await new AccessTokenVerifier({ issuer: 'https://issuer.example', audience: 'https://issuer.example' }).verify(token);
  const { version } = verifyWebhookSignature('{}', 't=1,v1=00', 'secret');
  return [token, res, claims, version];
}

export const codeOf = (err: unknown): string | undefined => (err instanceof OAuthRequestError ? err.code : undefined);

// @ts-expect-error clientId is required
new TokenClient({ environment: 'sandbox' });

export function hardened(privateKey: PrivateKeyInput, alg: SigningAlgorithm): TokenClient {
  const clientAuth: PrivateKeyJwtOptions = { method: 'private_key_jwt', privateKey, alg };
  const dpop: DpopOptions = { privateKey };
  return new TokenClient({ clientId: 'id', environment: 'sandbox', clientAuth, dpop });
}

// @ts-expect-error only private_key_jwt is a clientAuth method
new TokenClient({ clientId: 'id', environment: 'sandbox', clientAuth: { method: 'client_secret_jwt', privateKey: {} } });
`;

describe('@mypos-auth/client › the packed package, installed offline in a project outside the repository', () => {
  let dir: string;
  let tarball: string;
  let consumer: string;
  let server: ServeProcess;
  let creds: { id: string; secret: string };

  beforeAll(async () => {
    dir = realpathSync(mkdtempSync(join(tmpdir(), 'mypos-auth-client-consumer-')));
    expect(relative(ROOT, dir).startsWith('..')).toBe(true);
    // packages/client/dist is built already (npm test builds first); pack it as it stands.
    await exec('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: CLIENT, env: npmEnv(join(dir, 'npm-cache')) });
    tarball = join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
    consumer = join(dir, 'consumer');
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    await exec('npm', ['install', '--offline', tarball], { cwd: consumer, env: npmEnv(join(dir, 'npm-cache')) });

    const db = join(dir, 'server.db');
    server = await startServe(['--db', `sqlite:${db}`, '--demo-client', '--log-level', 'trace'], { MYPOS_AUTH_ACCESS_TOKEN_FORMAT: 'sandbox=jwt' });
    const demo = await new Promise<{ id: string; secret: string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no demo client:\n${server.output()}`)), 10_000);
      const check = () => {
        const id = /Client ID:\s+(\S+)/.exec(server.output())?.[1];
        const secret = /Client Secret:\s+(\S+)/.exec(server.output())?.[1];
        if (id && secret) {
          clearTimeout(timer);
          resolve({ id, secret });
        }
      };
      check();
      server.child.stdout.on('data', check);
    });
    creds = demo;
  }, 180_000);

  afterAll(async () => {
    if (server) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('publint and Are the Types Wrong find no problem in the tarball (lint-package.mjs fails on any message)', { timeout: 120_000 }, async () => {
    const { stdout } = await exec(process.execPath, [join(CLIENT, 'scripts/lint-package.mjs'), tarball], { cwd: CLIENT });
    expect(stdout).toContain('publint: no messages');
    expect(stdout).toContain('No problems found');
    expect(stdout).toMatch(/node16 \(from CJS\): OK \(CJS\)/);
    expect(stdout).toMatch(/node16 \(from ESM\): OK \(ESM\)/);
  });

  it('ships the ES module and CommonJS builds with their types, README and LICENSE; no sources, no source maps', async () => {
    const { stdout } = await exec('tar', ['-tzf', tarball]);
    const files = stdout.trim().split('\n').sort();
    const built = (format: string) => SOURCES.flatMap((name) => [`package/dist/${format}/${name}.d.ts`, `package/dist/${format}/${name}.js`]);
    expect(files).toEqual(
      ['package/LICENSE', 'package/README.md', 'package/package.json', 'package/dist/cjs/package.json', ...built('cjs'), ...built('esm')].sort(),
    );
    const installed = join(consumer, 'node_modules/@mypos-auth/client');
    for (const file of files.filter((f) => f.startsWith('package/dist/'))) {
      expect([file, readFileSync(join(installed, file.slice('package/'.length)), 'utf8').includes('sourceMappingURL')]).toEqual([file, false]);
    }
  });

  it('installs with no dependency at all: node_modules holds the package alone', () => {
    const manifest = JSON.parse(readFileSync(join(consumer, 'node_modules/@mypos-auth/client/package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest.dependencies).toBeUndefined();
    expect(manifest.peerDependencies).toBeUndefined();
    expect(readdirSync(join(consumer, 'node_modules')).filter((f) => !f.startsWith('.'))).toEqual(['@mypos-auth']);
  });

  const run = async (file: string, source: string) => {
    writeFileSync(join(consumer, file), source);
    const { stdout } = await exec(process.execPath, [file], {
      cwd: consumer,
      env: { PATH: process.env.PATH ?? '', BASE: server.urls.sandbox.replace(/\/$/, ''), MYPOS_CLIENT_ID: creds.id, MYPOS_CLIENT_SECRET: creds.secret },
      timeout: 60_000,
    });
    return JSON.parse(stdout) as Record<string, unknown>;
  };
  const expected = (format: 'esm' | 'cjs') => ({
    loaded: expect.stringMatching(new RegExp(`node_modules/@mypos-auth/client/dist/${format}/index\\.js$`)),
    jwtParts: 3,
    statuses: [201, 201, 202],
    signed: 'v2',
    tampered: 'WebhookSignatureError ERR_WEBHOOK_SIGNATURE_MISMATCH',
    claims: { iss: true, client_id: creds.id, scope: 'webhooks' },
    forged: 'JwtVerificationError ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
    badSecret: 'ERR_OAUTH_RESPONSE_ERROR invalid_client 401',
  });

  it('an ES module script: token, Webhook API through the SDK fetch, delivery signature, JWT verified', { timeout: 90_000 }, async () => {
    expect(await run('flow.mjs', ESM)).toEqual(expected('esm'));
  });

  it('a CommonJS script (require): the same flow, on the CommonJS build', { timeout: 90_000 }, async () => {
    expect(await run('flow.cjs', CJS)).toEqual(expected('cjs'));
  });

  it('a TypeScript consumer type-checks under NodeNext, from ESM (.mts) and CommonJS (.cts), each on its own declarations', { timeout: 120_000 }, async () => {
    const ts = join(consumer, 'ts');
    mkdirSync(ts, { recursive: true });
    writeFileSync(join(ts, 'esm.mts'), TS);
    writeFileSync(join(ts, 'cjs.cts'), TS);
    writeFileSync(
      join(ts, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2023'], strict: true, noEmit: true,
          // The package's own declarations are checked too; @types/node (fetch, Response) comes from this repository.
          skipLibCheck: false, types: ['node'], typeRoots: [join(ROOT, 'node_modules/@types')],
        },
        files: ['esm.mts', 'cjs.cts'],
      }),
    );
    const { stdout } = await exec(process.execPath, [TSC, '-p', 'tsconfig.json', '--listFiles'], { cwd: ts });
    const listed = stdout.split('\n').map((line) => line.trim());
    expect(listed).toContain(join(consumer, 'node_modules/@mypos-auth/client/dist/esm/index.d.ts'));
    expect(listed).toContain(join(consumer, 'node_modules/@mypos-auth/client/dist/cjs/index.d.ts'));
  });
});
