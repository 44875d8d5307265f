import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateClientSecret } from '../../src/core/client-management.js';
import { basic, createTestServer, FORM, type TestServer } from '../helpers/test-server.js';

const cc = 'grant_type=client_credentials';

describe('client authentication › A21 brute-force limits', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer({ config: { clientFailuresPerMinute: 5, ipFailuresPerMinute: 8 } });
  });
  afterAll(() => t.close());

  const attempt = (id: string, secret: string, ip: string) =>
    t.app().inject({ method: 'POST', url: '/oauth/token', payload: cc, remoteAddress: ip, headers: { ...FORM, authorization: basic(id, secret) } });

  it('A21: past N failures per (client_id, IP) even the right secret gets 429 + Retry-After; another IP still gets 200', async () => {
    const c = await t.client();
    for (let i = 0; i < 5; i++) expect((await attempt(c.id, 'wrong', '10.0.0.1')).statusCode).toBe(401);
    const blocked = await attempt(c.id, c.secret, '10.0.0.1');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error).toBe('temporarily_unavailable');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.headers['cache-control']).toBe('no-store');
    // No global lockout: the owner calling from elsewhere is unaffected.
    expect((await attempt(c.id, c.secret, '10.0.0.2')).statusCode).toBe(200);
  });

  it('A21: past N failures per IP across many client ids, that IP is throttled; others are not', async () => {
    const c = await t.client();
    for (let i = 0; i < 8; i++) await attempt(`Random${String(i).padStart(18, '0')}`, 'wrong', '10.0.1.1');
    expect((await attempt(c.id, c.secret, '10.0.1.1')).statusCode).toBe(429);
    expect((await attempt(c.id, c.secret, '10.0.1.2')).statusCode).toBe(200);
  });

  it('A21: successes never count towards the limit', async () => {
    const c = await t.client();
    for (let i = 0; i < 12; i++) expect((await attempt(c.id, c.secret, '10.0.2.1')).statusCode).toBe(200);
  });
});

describe('client authentication › A23 secret rotation', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await createTestServer();
  });
  afterAll(() => t.close());

  const tokenStatus = async (id: string, secret: string) =>
    (await t.app().inject({ method: 'POST', url: '/oauth/token', payload: cc, headers: { ...FORM, authorization: basic(id, secret) } })).statusCode;
  const deps = () => ({ clients: t.store.clients, hasher: t.server.hasher, clock: t.clock });

  it('A23: without a grace period the replaced secret dies at once', async () => {
    const c = await t.client();
    const fresh = await rotateClientSecret(deps(), c.id, 0);
    expect(await tokenStatus(c.id, c.secret)).toBe(401);
    expect(await tokenStatus(c.id, fresh!)).toBe(200);
  });

  it('A23: with a grace period both secrets work until it ends, then only the new one', async () => {
    const c = await t.client();
    const fresh = await rotateClientSecret(deps(), c.id, 600);
    expect(await tokenStatus(c.id, c.secret)).toBe(200);
    expect(await tokenStatus(c.id, fresh!)).toBe(200);
    t.clock.advance(601);
    expect(await tokenStatus(c.id, c.secret)).toBe(401);
    expect(await tokenStatus(c.id, fresh!)).toBe(200);
  });

  it('a second rotation retires the first secret even inside its grace period', async () => {
    const c = await t.client();
    const second = await rotateClientSecret(deps(), c.id, 600);
    const third = await rotateClientSecret(deps(), c.id, 600);
    expect(await tokenStatus(c.id, c.secret)).toBe(401);
    expect(await tokenStatus(c.id, second!)).toBe(200);
    expect(await tokenStatus(c.id, third!)).toBe(200);
  });
});
