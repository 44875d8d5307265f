import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startServe, type ServeProcess } from '../helpers/cli.js';

/** `clients create --jwks FILE` and `clients keys`, as an operator runs them, then the keys at a running server. */
describe('cli › private_key_jwt clients: create --jwks, keys --add/--remove/--set', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mypos-cli-keys-'));
  const db = `sqlite:${join(dir, 'db.sqlite')}`;
  const keyFile = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };
  const cli = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [CLI, ...args, '--db', db, '--server-key-file', join(dir, 'server.key')], (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  let serve: ServeProcess | undefined;
  let k1: { privateKey: CryptoKey; jwk: JWK; privateJwk: JWK };
  let k2: { privateKey: CryptoKey; jwk: JWK; privateJwk: JWK };
  beforeAll(async () => {
    const pair = async (kid: string) => {
      const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
      return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid }, privateJwk: { ...(await exportJWK(privateKey)), kid } };
    };
    [k1, k2] = await Promise.all([pair('cli-1'), pair('cli-2')]);
    writeFileSync(join(dir, 'server.key'), 'c'.repeat(64));
  });
  afterAll(async () => {
    serve?.child.kill('SIGTERM');
    await serve?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a client from a JWK file with no secret; manages its keys; a private key, a secret rotation and the last key are refused', async () => {
    expect((await cli(['migrate'])).code).toBe(0);
    const privateFile = await cli(['clients', 'create', '--environment', 'sandbox', '--jwks', keyFile('private.json', k1.privateJwk)]);
    expect(privateFile.code).toBe(1);
    expect(privateFile.stderr).toMatch(/^mypos-auth: .*private\.json: this is a private key \(it has "d"\)\. Register the public key only[^\n]*\n$/);
    expect(JSON.parse((await cli(['clients', 'list', '--json'])).stdout)).toEqual([]);

    const created = await cli(['clients', 'create', '--environment', 'sandbox', '--name', 'Signed', '--jwks', keyFile('k1.json', { keys: [k1.jwk] }), '--json']);
    expect(created.code).toBe(0);
    const client = JSON.parse(created.stdout);
    expect(client).toMatchObject({ token_endpoint_auth_method: 'private_key_jwt', public: false });
    expect(client.client_secret).toBeUndefined();
    const text = await cli(['clients', 'list']);
    expect(text.stdout).toContain(`${client.client_id}  sandbox     Signed  [webhooks]  private_key_jwt`);

    const added = await cli(['clients', 'keys', client.client_id, '--add', keyFile('k2.json', k2.jwk), '--json']);
    expect(JSON.parse(added.stdout).keys.map((k: { kid: string }) => k.kid)).toEqual(['cli-1', 'cli-2']);
    const removed = await cli(['clients', 'keys', client.client_id, '--remove', 'cli-1']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toMatch(/1 key:\n {2}cli-2 {2}ES256 {2}[A-Za-z0-9_-]{43}\n$/);
    const last = await cli(['clients', 'keys', client.client_id, '--remove', 'cli-2']);
    expect(last.code).toBe(1);
    expect(last.stderr).toContain('keeps at least one key');
    const rotate = await cli(['clients', 'rotate', client.client_id]);
    expect(rotate.code).toBe(1);
    expect(rotate.stderr).toContain('it has no secret');
    const set = await cli(['clients', 'keys', client.client_id, '--set', keyFile('both.json', { keys: [k1.jwk, k2.jwk] }), '--json']);
    expect(JSON.parse(set.stdout).keys).toHaveLength(2);
    expect((await cli(['clients', 'keys', client.client_id, '--set', 'x', '--add', 'y'])).stderr).toContain('Use one of --set, --add and --remove');

    // The server started on the same database takes the keys the CLI registered.
    serve = await startServe(['--db', db, '--server-key-file', join(dir, 'server.key'), '--log-level', 'trace']);
    const token = async (key: typeof k1) => {
      const now = Math.floor(Date.now() / 1000);
      const jwt = await new SignJWT({ iss: client.client_id, sub: client.client_id, aud: serve!.urls.sandbox, iat: now, exp: now + 60, jti: randomUUID() })
        .setProtectedHeader({ alg: 'ES256', kid: key.jwk.kid! })
        .sign(key.privateKey);
      const res = await fetch(`${serve!.urls.sandbox}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: jwt }),
      });
      return res.status;
    };
    expect(await token(k1)).toBe(200);
    expect(await token(k2)).toBe(200);
  }, 60_000);
});
