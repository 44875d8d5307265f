import { createPublicKey, type JsonWebKey } from 'node:crypto';
import jsonwebtoken from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { systemClock } from '../../src/core/clock.js';
import { KeyEncryption } from '../../src/jwt/key-encryption.js';
import { SigningKeys } from '../../src/jwt/signing-keys.js';
import { startServer } from '../helpers/start-server.js';
import { BACKENDS } from '../helpers/backends.js';
import { basic, createTestServer, postForm, TestClock, type TestServer } from '../helpers/test-server.js';

const ROTATION = 1000;
const AHEAD = 100;
const TTL = 300;

const kidOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0] ?? '', 'base64url').toString()).kid as string;

describe.each(BACKENDS)('JWT signing key rotation ($name)', (backend) => {
  let t: TestServer;
  let c: { id: string; secret: string };
  let rs: { id: string; secret: string };
  beforeAll(async () => {
    t = await createTestServer({
      backend,
      config: {
        accessTokenFormat: { sandbox: 'jwt', production: 'opaque' },
        signingKeyRotationSeconds: ROTATION,
        signingKeyPublishAheadSeconds: AHEAD,
        accessTokenTtl: TTL,
      },
    });
    c = await t.client();
    rs = await t.client({ isResourceServer: true });
  });
  afterAll(() => t?.close());

  const token = async () => {
    const res = await postForm(t.app(), '/oauth/token', 'grant_type=client_credentials', { authorization: basic(c.id, c.secret) });
    expect(res.statusCode).toBe(200);
    return (res.json() as { access_token: string }).access_token;
  };
  const jwks = async () => ((await t.app().inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as { keys: Array<JsonWebKey & { kid: string }> }).keys;
  const active = async (value: string) =>
    ((await postForm(t.app(), '/oauth/introspect', `token=${value}`, { authorization: basic(rs.id, rs.secret) })).json() as { active: boolean }).active;
  /** What a resource server does: verify with a third-party library against the JWKS it fetched. */
  const verifiesAgainst = (value: string, keys: Array<JsonWebKey & { kid: string }>) => {
    const jwk = keys.find((k) => k.kid === kidOf(value));
    if (!jwk) return false;
    try {
      jsonwebtoken.verify(value, createPublicKey({ key: jwk, format: 'jwk' }), { algorithms: ['ES256'], clockTimestamp: t.clock.now() });
      return true;
    } catch {
      return false;
    }
  };

  it('the documented schedule: published ahead, signs its period, kept until its last token expires, then gone', async () => {
    // Jump to the start of a fresh rotation period, far from the keys made at start.
    const start = Math.ceil(t.clock.now() / ROTATION) * ROTATION + 10 * ROTATION;
    t.clock.t = start;
    const a = await token();
    const k1 = kidOf(a);
    expect((await jwks()).map((k) => k.kid)).toEqual([k1]);

    // Before the publish-ahead point: still one key.
    t.clock.t = start + ROTATION - AHEAD - 1;
    expect((await jwks()).map((k) => k.kid)).toEqual([k1]);

    // Publish-ahead: the next key is in the JWKS, but tokens are still signed with the current one.
    t.clock.t = start + ROTATION - AHEAD;
    const published = await jwks();
    expect(published).toHaveLength(2);
    const k2 = published.map((k) => k.kid).find((k) => k !== k1) ?? '';
    const b = await token();
    expect(kidOf(b)).toBe(k1);
    const cachedByResourceServer = await jwks(); // a resource server fetches the JWKS now and caches it

    // Rotation: new tokens are signed with the new key, which the resource server already had.
    t.clock.t = start + ROTATION;
    const c2 = await token();
    expect(kidOf(c2)).toBe(k2);
    expect(verifiesAgainst(c2, cachedByResourceServer)).toBe(true);
    // Old tokens stay valid until they expire: the old key is still published and they introspect active.
    expect((await jwks()).map((k) => k.kid).sort()).toEqual([k1, k2].sort());
    expect(verifiesAgainst(b, await jwks())).toBe(true);
    expect(await active(b)).toBe(true);

    // The last token signed with k1 (b, issued at start + ROTATION - AHEAD) expires; k1 is kept a bit past that.
    t.clock.t = start + ROTATION - AHEAD + TTL;
    expect(await active(b)).toBe(false);
    expect((await jwks()).map((k) => k.kid)).toContain(k1);
    t.clock.t = start + ROTATION + TTL + 60;
    expect((await jwks()).map((k) => k.kid)).toEqual([k2]);
    expect(await active(c2)).toBe(false); // c2 expired too by now (issued at start + ROTATION, TTL 300)
    const d = await token();
    expect(kidOf(d)).toBe(k2);
    expect(verifiesAgainst(d, await jwks())).toBe(true);
  });

  it('nodes racing: five nodes following the schedule at once create one key per period', async () => {
    const now = Math.ceil(t.clock.now() / ROTATION) * ROTATION + 50 * ROTATION + ROTATION - AHEAD; // current + next due
    const clock = new TestClock(now);
    const nodes = Array.from({ length: 5 }, () =>
      new SigningKeys({
        repo: t.store.signingKeys,
        encryption: new KeyEncryption(Buffer.alloc(32, 7)),
        clock,
        schedule: { rotationSeconds: ROTATION, publishAheadSeconds: AHEAD, accessTokenTtl: TTL },
        signing: () => true,
      }),
    );
    await Promise.all(nodes.map((n) => n.ensure('sandbox')));
    const live = await t.store.signingKeys.listLive('sandbox', now);
    const inWindow = live.filter((k) => k.activatesAt >= now - ROTATION + AHEAD);
    expect(inWindow.map((k) => k.activatesAt)).toEqual([now - ROTATION + AHEAD, now + AHEAD]);
  });
});

describe('JWT signing keys across a restart', () => {
  it('the same database and server key → the same key signs, and tokens issued before still verify', async () => {
    const { sqliteBackend } = await import('../helpers/backends.js');
    const { store, url, cleanup } = await sqliteBackend.create();
    const config = resolveConfig({ db: url, serverKey: 'c'.repeat(64), logLevel: 'silent', accessTokenFormat: { sandbox: 'jwt', production: 'opaque' } });
    try {
      const first = await startServer(config, { store, clock: systemClock, listen: false });
      const before = ((await first.apps.sandbox.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as { keys: Array<{ kid: string }> }).keys;
      await first.close();
      const second = await startServer(config, { store, clock: systemClock, listen: false });
      const after = ((await second.apps.sandbox.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json() as { keys: Array<{ kid: string }> }).keys;
      await second.close();
      expect(after.map((k) => k.kid)).toEqual(before.map((k) => k.kid));
      expect(after.length).toBeGreaterThan(0);
    } finally {
      await cleanup();
    }
  });

  it('a sealed private key does not open under another server key, nor on another row', () => {
    const sealed = new KeyEncryption(Buffer.alloc(32, 1)).seal('{"d":"secret"}', 'sandbox:kid1');
    expect(new KeyEncryption(Buffer.alloc(32, 1)).open(sealed, 'sandbox:kid1')).toBe('{"d":"secret"}');
    expect(() => new KeyEncryption(Buffer.alloc(32, 2)).open(sealed, 'sandbox:kid1')).toThrow();
    expect(() => new KeyEncryption(Buffer.alloc(32, 1)).open(sealed, 'production:kid1')).toThrow();
  });
});
