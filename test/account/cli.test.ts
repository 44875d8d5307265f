import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/storage/sqlite/connect.js';

const MAIN = join(process.cwd(), 'dist', 'cli', 'main.js');

/** `mypos-auth merchants create` and `clients create --merchant`, as a process (npm test builds dist/ first). */
describe('cli › merchants create, merchants two-factor-off, clients create --merchant', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mypos-cli-'));
  const db = `sqlite:${join(dir, 'db.sqlite')}`;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cli = (args: string[], input?: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(process.execPath, [MAIN, ...args, '--db', db], (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin!.end(input ?? '');
    });

  it('creates a merchant from a password on stdin; attaches a credential to it; refuses an unknown merchant', async () => {
    // Only serve and migrate create a database.
    expect((await cli(['migrate'])).code).toBe(0);
    const made = await cli(['merchants', 'create', '--email', 'Ops@Example.com', '--password-stdin', '--json'], 'a long enough password\n');
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout)).toMatchObject({ email: 'ops@example.com' });
    expect(made.stdout).not.toContain('a long enough password');

    const dup = await cli(['merchants', 'create', '--email', 'ops@example.com', '--password-stdin'], 'a long enough password\n');
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already exists');
    const weak = await cli(['merchants', 'create', '--email', 'weak@example.com', '--password-stdin'], 'short\n');
    expect(weak.code).toBe(1);

    const client = await cli(['clients', 'create', '--environment', 'production', '--merchant', 'ops@example.com', '--json']);
    expect(client.code).toBe(0);
    const created = JSON.parse(client.stdout);
    expect(created.merchant).toBe('ops@example.com');
    const operator = JSON.parse((await cli(['clients', 'create', '--environment', 'sandbox', '--json'])).stdout);
    expect(operator.merchant).toBeNull();
    const unknown = await cli(['clients', 'create', '--environment', 'sandbox', '--merchant', 'nobody@example.com']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No merchant');

    const store = await openSqliteStore({ path: join(dir, 'db.sqlite') });
    try {
      const merchant = (await store.merchants.findByEmail('ops@example.com'))!;
      expect(merchant.passwordHash).toMatch(/^\$argon2id\$/);
      expect((await store.clients.find(created.client_id))!.merchantId).toBe(merchant.id);
      expect((await store.clients.find(operator.client_id))!.merchantId).toBeNull();
      const events = await store.audit.listForClient(created.client_id, 10);
      expect(events).toMatchObject([{ action: 'created', actor: 'operator (CLI)', merchantId: merchant.id }]);
      // A merchant who lost the authenticator and the recovery codes: only the operator can turn it off.
      await store.twoFactor.startSetup({ merchantId: merchant.id, secretSealed: 'v1.sealed', createdAt: 1, setupSessionHash: 's' });
      expect(await store.twoFactor.enable(merchant.id, 's', 1, 1, ['h'.repeat(64)])).toBe(true);
    } finally {
      await store.close();
    }
    const off = await cli(['merchants', 'two-factor-off', '--email', 'OPS@example.com']);
    expect(off.code).toBe(0);
    expect(off.stdout).toContain('Two-factor sign-in is off for ops@example.com');
    const again = await cli(['merchants', 'two-factor-off', '--email', 'ops@example.com']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('is not on');
    const reopened = await openSqliteStore({ path: join(dir, 'db.sqlite') });
    try {
      const merchant = (await reopened.merchants.findByEmail('ops@example.com'))!;
      expect(await reopened.twoFactor.find(merchant.id)).toBeUndefined();
      expect(await reopened.twoFactor.unusedRecoveryCodes(merchant.id)).toBe(0);
      expect((await reopened.audit.listForMerchant(merchant.id, 10)).map((e) => [e.action, e.actor])).toContainEqual(['two_factor_disabled', 'operator (CLI)']);
    } finally {
      await reopened.close();
    }
  });

  it('RFC 9449 §5.2: clients create --dpop-bound-access-tokens stores a client that must send DPoP proofs; list shows it', async () => {
    const made = JSON.parse((await cli(['clients', 'create', '--environment', 'sandbox', '--dpop-bound-access-tokens', '--json'])).stdout);
    expect(made.dpop_bound_access_tokens).toBe(true);
    const plain = JSON.parse((await cli(['clients', 'create', '--environment', 'sandbox', '--json'])).stdout);
    expect(plain.dpop_bound_access_tokens).toBe(false);
    const listed = JSON.parse((await cli(['clients', 'list', '--json'])).stdout) as Array<{ client_id: string; dpop_bound_access_tokens: boolean }>;
    expect(listed.find((c) => c.client_id === made.client_id)?.dpop_bound_access_tokens).toBe(true);
    const store = await openSqliteStore({ path: join(dir, 'db.sqlite') });
    try {
      expect((await store.clients.find(made.client_id))!.dpopBoundAccessTokens).toBe(true);
      expect((await store.clients.find(plain.client_id))!.dpopBoundAccessTokens).toBe(false);
    } finally {
      await store.close();
    }
  });
});
