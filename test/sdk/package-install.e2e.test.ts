import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSocketServer, type SocketServer } from './socket-server.js';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NPM_ENV = { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

/** Another project's code, as docs/sdk.md shows it: import from 'mypos-auth/client', build a client, get a token. */
const CONSUMER = `
import { OAuthRequestError, TokenClient } from 'mypos-auth/client';
const client = new TokenClient({
  clientId: process.env.MYPOS_CLIENT_ID,
  clientSecret: process.env.MYPOS_CLIENT_SECRET,
  environment: { tokenUrl: process.env.TOKEN_URL },
  scope: 'webhooks',
});
const token = await client.getToken();
console.log(JSON.stringify({ length: token.length, oauthError: typeof OAuthRequestError }));
`;

describe('SDK from another project › docs/sdk.md\'s two ways of installing it give a working "mypos-auth/client"', () => {
  let s: SocketServer;
  let creds: { id: string; secret: string };
  let dir: string;
  beforeAll(async () => {
    s = await startSocketServer();
    creds = await s.client({ scopes: ['webhooks'] });
    dir = mkdtempSync(join(tmpdir(), 'mypos-auth-consumer-'));
  });
  afterAll(async () => {
    await s?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function project(name: string): Promise<string> {
    const p = join(dir, name);
    mkdirSync(p);
    writeFileSync(join(p, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }));
    writeFileSync(join(p, 'index.mjs'), CONSUMER);
    return p;
  }
  const runConsumer = async (cwd: string) =>
    JSON.parse((await exec(process.execPath, ['index.mjs'], {
      cwd, env: { PATH: process.env.PATH ?? '', MYPOS_CLIENT_ID: creds.id, MYPOS_CLIENT_SECRET: creds.secret, TOKEN_URL: `${s.url()}/oauth/token` },
    })).stdout) as { length: number; oauthError: string };

  it('npm install /path/to/the/clone', { timeout: 120_000 }, async () => {
    const p = await project('from-clone');
    // --ignore-scripts: the clone's prepare step (the build) has run already; npm would only ask about it.
    await exec('npm', ['install', '--ignore-scripts', ROOT], { cwd: p, env: NPM_ENV });
    expect(await runConsumer(p)).toEqual({ length: 42, oauthError: 'function' });
  });

  it('npm pack: the tarball carries the built SDK and its export map (unpacked where npm would put it)', { timeout: 120_000 }, async () => {
    const p = await project('from-tarball');
    // dist/ is already built (npm test builds first); pack it without building again.
    await exec('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, env: NPM_ENV });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    // Installing the tarball would also fetch the server's own dependencies from a registry; the SDK needs none
    // of them, so the test unpacks it into node_modules the way npm lays a package out.
    mkdirSync(join(p, 'node_modules'));
    await exec('tar', ['-xzf', join(dir, tarball), '-C', join(p, 'node_modules')]);
    renameSync(join(p, 'node_modules', 'package'), join(p, 'node_modules', 'mypos-auth'));
    expect(await runConsumer(p)).toEqual({ length: 42, oauthError: 'function' });
  });
});
