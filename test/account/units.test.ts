import { describe, expect, it } from 'vitest';
import { html, escapeHtml } from '../../src/account/html.js';
import { safeReturnTo } from '../../src/account/return-to.js';
import { LoginThrottle } from '../../src/account/throttle.js';
import { UsageRecorder } from '../../src/account/usage-recorder.js';
import { verifyPassword, hashPassword, passwordProblem } from '../../src/account/passwords.js';
import type { AuditEvent, UsageIncrement } from '../../src/storage/types.js';
import { TestClock } from '../helpers/test-server.js';

describe('account › html template', () => {
  it('escapes every interpolation by default, including attribute quotes', () => {
    const name = `"><script>alert('x')</script>&`;
    expect(html`<input value="${name}">`.value).toBe('<input value="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;">');
  });
  it('nests safe fragments and arrays without double escaping; null/false render nothing', () => {
    const items = ['a<b', 'c'];
    expect(html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>${null}${false}${undefined}`.value).toBe('<ul><li>a&lt;b</li><li>c</li></ul>');
    expect(escapeHtml('`')).toBe('&#96;');
  });
});

describe('account › return_to', () => {
  it.each([
    ['/account/sandbox', '/account/sandbox'],
    ['/oauth/authorize?a=1&b=2#f', '/oauth/authorize?a=1&b=2#f'],
    ['//evil.example', '/account'],
    ['/\\evil.example', '/account'],
    ['https://evil.example', '/account'],
    ['evil', '/account'],
    ['', '/account'],
    ['/a\nb', '/account'],
    ['/' + 'a'.repeat(3000), '/account'],
  ])('%s → %s', (input, expected) => {
    expect(safeReturnTo(input)).toBe(expected);
  });
  it('non-strings fall back', () => {
    expect(safeReturnTo(['/x'])).toBe('/account');
    expect(safeReturnTo(undefined)).toBe('/account');
  });
});

describe('account › login throttle (G5)', () => {
  it('delays grow after the allowed failures, cap out, and fade: no permanent lockout', () => {
    let now = 0;
    const th = new LoginThrottle({ perAccount: 3, perIp: 100, signupsPerIp: 10, maxDelaySeconds: 120, forgetAfterSeconds: 600, maxKeys: 100 }, () => now);
    for (let i = 0; i < 2; i++) th.recordFailure('a@x', '1.1.1.1');
    expect(th.blockedFor('a@x', '1.1.1.1')).toBe(0);
    th.recordFailure('a@x', '1.1.1.1');
    expect(th.blockedFor('a@x', '1.1.1.1')).toBe(30);
    expect(th.blockedFor('a@x', '2.2.2.2')).toBe(30); // per account, from any address
    expect(th.blockedFor('b@x', '1.1.1.1')).toBe(0);
    th.recordFailure('a@x', '1.1.1.1');
    expect(th.blockedFor('a@x', '1.1.1.1')).toBe(60);
    for (let i = 0; i < 10; i++) th.recordFailure('a@x', '1.1.1.1');
    expect(th.blockedFor('a@x', '1.1.1.1')).toBe(120);
    now += 121_000;
    expect(th.blockedFor('a@x', '1.1.1.1')).toBe(0);
    now += 600_001;
    th.recordFailure('a@x', '1.1.1.1');
    expect(th.blockedFor('a@x', '1.1.1.1')).toBe(0); // the old count faded out
  });
  it('per IP across many accounts; memory stays bounded', () => {
    let now = 0;
    const th = new LoginThrottle({ perAccount: 100, perIp: 5, signupsPerIp: 10, maxDelaySeconds: 60, forgetAfterSeconds: 600, maxKeys: 50 }, () => now);
    for (let i = 0; i < 5; i++) th.recordFailure(`u${i}@x`, '9.9.9.9');
    expect(th.blockedFor('fresh@x', '9.9.9.9')).toBeGreaterThan(0);
    expect(th.blockedFor('fresh@x', '8.8.8.8')).toBe(0);
    for (let i = 0; i < 500; i++) th.recordFailure(`r${i}@x`, `10.0.${i >> 8}.${i & 255}`);
    // Only the 50 most recent keys are kept: the early IP block was dropped to make room.
    expect(th.blockedFor('fresh@x', '9.9.9.9')).toBe(0);
  });
});

describe('account › passwords', () => {
  it('argon2id hashes, verifies, and an unknown account verifies false', async () => {
    const phc = await hashPassword('a fine passphrase');
    expect(phc).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword('a fine passphrase', phc)).toBe(true);
    expect(await verifyPassword('a wrong passphrase', phc)).toBe(false);
    expect(await verifyPassword('a fine passphrase', undefined)).toBe(false);
    expect(await verifyPassword('x', 'not a phc string')).toBe(false);
    expect(passwordProblem('short')).toBeDefined();
    expect(passwordProblem('twelve chars')).toBeUndefined();
  });
});

describe('account › usage recorder', () => {
  const fakes = () => {
    const added: UsageIncrement[][] = [];
    const audited: Array<Omit<AuditEvent, 'id'>> = [];
    const deps = {
      usage: {
        add: async (i: UsageIncrement[]) => void added.push(i),
        owners: async (ids: string[]) => new Map(ids.filter((id) => id.startsWith('real')).map((id) => [id, { merchantId: 'm1', environment: 'sandbox' as const }])),
        hourly: async () => [],
        activity: async () => new Map(),
      },
      audit: { append: async (e: Array<Omit<AuditEvent, 'id'>>) => void audited.push(...e), listForClient: async () => [], listForMerchant: async () => [] },
    };
    return { added, audited, deps };
  };

  it('aggregates per client per hour, drops unknown client ids, and files failures as one audit row per client', async () => {
    const clock = new TestClock(7200 * 1000 + 10);
    const { added, audited, deps } = fakes();
    const r = new UsageRecorder({ ...deps, clock });
    r.issued('real1', clock.now());
    r.issued('real1', clock.now());
    r.failed('real1', '1.2.3.4');
    r.failed('real1', '1.2.3.4');
    r.failed('real1', '5.6.7.8');
    r.failed('ghost', '6.6.6.6');
    await r.flush({ force: true });
    expect(added).toEqual([[{ clientId: 'real1', hour: 7200 * 1000, issued: 2, failed: 3 }]]);
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ clientId: 'real1', action: 'client_auth_failed', count: 3, ip: '1.2.3.4', merchantId: 'm1' });
    await r.flush({ force: true });
    expect(added.at(-1)).toEqual([]);
  });

  it('a failed flush keeps the counts for the next one', async () => {
    const clock = new TestClock(3600);
    const { added, deps } = fakes();
    let fail = true;
    const r = new UsageRecorder({ ...deps, usage: { ...deps.usage, add: async (i) => { if (fail) throw new Error('db down'); added.push(i); } }, clock });
    r.issued('real1', clock.now());
    await expect(r.flush()).rejects.toThrow('db down');
    fail = false;
    r.issued('real1', clock.now());
    await r.flush();
    expect(added).toEqual([[{ clientId: 'real1', hour: 3600, issued: 2, failed: 0 }]]);
  });

  it('a forced flush asked for while a timer flush runs still writes the failure audit rows (it waits, then runs forced)', async () => {
    const clock = new TestClock(3600);
    const { audited, deps } = fakes();
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const r = new UsageRecorder({ ...deps, usage: { ...deps.usage, add: async () => slow }, clock });
    r.issued('real1', clock.now());
    const timer = r.flush();
    r.failed('real1', '1.2.3.4');
    const forced = r.flush({ force: true });
    release();
    await Promise.all([timer, forced]);
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ action: 'client_auth_failed', count: 1 });
  });

  it('last use per secret: the latest time per digest, written at the flush; kept for the next one when the write fails', async () => {
    const clock = new TestClock(3600);
    const { deps } = fakes();
    const written: unknown[] = [];
    let fail = true;
    const clients = { recordSecretUses: async (u: unknown[]) => { if (fail) throw new Error('db down'); written.push(...u); } };
    const r = new UsageRecorder({ ...deps, clients, clock });
    r.secretUsed('real1', 'a'.repeat(64), 100);
    r.secretUsed('real1', 'a'.repeat(64), 90);
    r.secretUsed('real1', 'b'.repeat(64), 95);
    await expect(r.flush()).rejects.toThrow('db down');
    fail = false;
    await r.flush();
    expect(written).toEqual([{ clientId: 'real1', secretHash: 'a'.repeat(64), at: 100 }, { clientId: 'real1', secretHash: 'b'.repeat(64), at: 95 }]);
  });

  it('bounded: a flood of random client ids does not grow memory past maxKeys', async () => {
    const clock = new TestClock(3600);
    const { deps } = fakes();
    let rows = 0;
    const counting = new UsageRecorder({ ...deps, usage: { ...deps.usage, add: async (i) => void (rows += i.length), owners: async (ids: string[]) => new Map(ids.map((id) => [id, { merchantId: null, environment: 'sandbox' as const }])) }, clock, maxKeys: 10 });
    for (let i = 0; i < 1000; i++) counting.failed(`junk${i}`, '1.1.1.1');
    await counting.flush({ force: true });
    expect(rows).toBe(10);
  });
});

describe('account › sign-up metering', () => {
  it('sign-ups per IP are limited (each costs an argon2 hash), other addresses unaffected', () => {
    let now = 0;
    const th = new LoginThrottle({ perAccount: 5, perIp: 30, signupsPerIp: 3, maxDelaySeconds: 900, forgetAfterSeconds: 3600, maxKeys: 100 }, () => now);
    for (let i = 0; i < 2; i++) th.recordSignup('1.1.1.1');
    expect(th.signupBlockedFor('1.1.1.1')).toBe(0);
    th.recordSignup('1.1.1.1');
    expect(th.signupBlockedFor('1.1.1.1')).toBe(30);
    expect(th.signupBlockedFor('2.2.2.2')).toBe(0);
    expect(th.blockedFor('x@y', '1.1.1.1')).toBe(0); // logins are counted apart
    now += 31_000;
    expect(th.signupBlockedFor('1.1.1.1')).toBe(0);
  });
});
