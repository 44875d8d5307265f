import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientRecord, Store, TokenRecord } from '../../src/storage/types.js';
import { BACKENDS } from '../helpers/backends.js';

let seq = 0;
const EC_KEY = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'one' };
const client = (over: Partial<ClientRecord> = {}): ClientRecord => ({
  id: `client${String(++seq).padStart(18, '0')}`,
  environment: 'sandbox',
  name: 'c',
  secretHash: 'a'.repeat(64),
  previousSecretHash: null,
  previousSecretExpiresAt: null,
  scopes: ['webhooks', 'devices'],
  grantTypes: ['client_credentials'],
  redirectUris: ['https://app.example/cb'],
  isResourceServer: false,
  merchantId: null,
  createdAt: 1_700_000_000,
  requirePushedAuthorizationRequests: false,
  dpopBoundAccessTokens: false,
  publicKeys: null,
  ...over,
});
const token = (clientId: string, over: Partial<TokenRecord> = {}): TokenRecord => ({
  key: `h${String(++seq).padStart(63, '0')}`,
  kind: 'access',
  clientId,
  environment: 'sandbox',
  scope: 'webhooks',
  issuedAt: 1_700_000_000,
  expiresAt: 1_700_003_600,
  revokedAt: null,
  grantId: null,
  subject: null,
  rotatedAt: null,
  familyExpiresAt: null,
  audience: null,
  jkt: null,
  ...over,
});
const NOW = 1_700_000_100;

for (const backend of BACKENDS) {
  describe(`storage conformance (${backend.name})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await backend.create());
    });
    afterAll(() => cleanup());

    it('a client round-trips every field', async () => {
      const c = client({ merchantId: 'm1', isResourceServer: true, environment: 'production', requirePushedAuthorizationRequests: true, dpopBoundAccessTokens: true });
      await store.clients.create(c);
      expect(await store.clients.find(c.id)).toEqual(c);
    });

    it('a private_key_jwt client round-trips its public keys, and has no secret', async () => {
      const c = client({ secretHash: null, publicKeys: [EC_KEY, { ...EC_KEY, kid: 'two' }] });
      await store.clients.create(c);
      expect(await store.clients.find(c.id)).toEqual(c);
      expect((await store.clients.list({})).find((l) => l.id === c.id)).toEqual(c);
    });

    it('replacePublicKeys is compare-and-set: of two edits from the same read, one wins', async () => {
      const c = client({ secretHash: null, publicKeys: [EC_KEY] });
      await store.clients.create(c);
      const a = [EC_KEY, { ...EC_KEY, kid: 'a' }];
      const b = [EC_KEY, { ...EC_KEY, kid: 'b' }];
      const results = await Promise.all([store.clients.replacePublicKeys(c.id, c.publicKeys!, a), store.clients.replacePublicKeys(c.id, c.publicKeys!, b)]);
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.clients.find(c.id))!.publicKeys).toEqual(results[0] ? a : b);
      // A client with a secret has no keys to replace.
      const secretClient = client();
      await store.clients.create(secretClient);
      expect(await store.clients.replacePublicKeys(secretClient.id, [], a)).toBe(false);
      expect((await store.clients.find(secretClient.id))!.publicKeys).toBeNull();
    });

    it('RFC 7523 §2.2: a private_key_jwt client never gets a secret by rotation; deleting it drops its keys', async () => {
      const c = client({ secretHash: null, publicKeys: [EC_KEY] });
      await store.clients.create(c);
      expect(await store.clients.rotateSecret(c.id, 'b'.repeat(64), NOW, NOW)).toBe(false);
      expect((await store.clients.find(c.id))!.secretHash).toBeNull();
      expect(await store.clients.delete(c.id, NOW)).toBe(true);
      expect(await store.clients.replacePublicKeys(c.id, [EC_KEY], [{ ...EC_KEY, kid: 'x' }])).toBe(false);
    });

    it("findOwner gives a live client's environment and merchant, and nothing for a deleted or unknown one", async () => {
      const [merchant, operator] = [client({ merchantId: 'm-owner', environment: 'production' }), client()];
      await store.clients.create(merchant);
      await store.clients.create(operator);
      expect(await store.clients.findOwner(merchant.id)).toEqual({ environment: 'production', merchantId: 'm-owner' });
      expect(await store.clients.findOwner(operator.id)).toEqual({ environment: 'sandbox', merchantId: null });
      await store.clients.delete(merchant.id, NOW);
      expect(await store.clients.findOwner(merchant.id)).toBeUndefined();
      expect(await store.clients.findOwner('no-such-client')).toBeUndefined();
    });

    it('a duplicate client id is refused', async () => {
      const c = client();
      await store.clients.create(c);
      await expect(store.clients.create(c)).rejects.toThrow();
    });

    it('list filters by environment and merchant, oldest first; deleted clients vanish', async () => {
      const m = `merchant-${seq}`;
      const a = client({ merchantId: m, createdAt: 2 });
      const b = client({ merchantId: m, createdAt: 1, environment: 'production' });
      const c = client({ merchantId: m, createdAt: 3 });
      for (const x of [a, b, c]) await store.clients.create(x);
      expect((await store.clients.list({ merchantId: m })).map((x) => x.id)).toEqual([b.id, a.id, c.id]);
      expect((await store.clients.list({ merchantId: m, environment: 'sandbox' })).map((x) => x.id)).toEqual([a.id, c.id]);
      await store.clients.delete(c.id, NOW);
      expect((await store.clients.list({ merchantId: m })).map((x) => x.id)).toEqual([b.id, a.id]);
      expect(await store.clients.find(c.id)).toBeUndefined();
    });

    it('rotateSecret moves the old digest aside with its expiry; unknown ids answer false', async () => {
      const c = client();
      await store.clients.create(c);
      expect(await store.clients.rotateSecret(c.id, 'b'.repeat(64), NOW + 60, NOW)).toBe(true);
      const r = await store.clients.find(c.id);
      expect(r).toMatchObject({ secretHash: 'b'.repeat(64), previousSecretHash: 'a'.repeat(64), previousSecretExpiresAt: NOW + 60 });
      expect(await store.clients.rotateSecret('missing', 'c'.repeat(64), NOW, NOW)).toBe(false);
    });

    it('concurrent rotations: the last writer wins and the stored pair is one of the written secrets', async () => {
      const c = client();
      await store.clients.create(c);
      const digests = Array.from({ length: 10 }, (_, i) => String(i).repeat(64));
      const results = await Promise.all(digests.map((d) => store.clients.rotateSecret(c.id, d, NOW, NOW)));
      expect(results.every(Boolean)).toBe(true);
      const r = (await store.clients.find(c.id))!;
      expect(digests).toContain(r.secretHash);
      expect([...digests, 'a'.repeat(64)]).toContain(r.previousSecretHash);
      expect(r.previousSecretHash).not.toBe(r.secretHash);
    });

    it('secret hints and last use per secret: a rotation moves both to the previous slot; a use counts for the digest it names', async () => {
      const c = client({ secretHash: 'd'.repeat(64) });
      await store.clients.create(c, 'AbC1');
      expect((await store.clients.secretDetails([c.id])).get(c.id)).toEqual({ hint: 'AbC1', lastUsedAt: null, previousHint: null, previousLastUsedAt: null });
      await store.clients.recordSecretUses([{ clientId: c.id, secretHash: 'd'.repeat(64), at: NOW }]);
      // An older use never moves the time back; an unknown digest changes nothing.
      await store.clients.recordSecretUses([{ clientId: c.id, secretHash: 'd'.repeat(64), at: NOW - 50 }, { clientId: c.id, secretHash: 'f'.repeat(64), at: NOW + 9 }]);
      expect((await store.clients.secretDetails([c.id])).get(c.id)).toMatchObject({ hint: 'AbC1', lastUsedAt: NOW });
      expect(await store.clients.rotateSecret(c.id, 'e'.repeat(64), NOW + 3600, NOW, 'xY9z')).toBe(true);
      expect((await store.clients.secretDetails([c.id])).get(c.id)).toEqual({ hint: 'xY9z', lastUsedAt: null, previousHint: 'AbC1', previousLastUsedAt: NOW });
      // During the grace period the old secret's use lands on the previous slot, the new one's on the current.
      await store.clients.recordSecretUses([{ clientId: c.id, secretHash: 'd'.repeat(64), at: NOW + 5 }, { clientId: c.id, secretHash: 'e'.repeat(64), at: NOW + 7 }]);
      expect((await store.clients.secretDetails([c.id])).get(c.id)).toEqual({ hint: 'xY9z', lastUsedAt: NOW + 7, previousHint: 'AbC1', previousLastUsedAt: NOW + 5 });
    });

    it('expirePreviousSecret ends a grace period once: a second call, or one with no grace running, answers false', async () => {
      const c = client();
      await store.clients.create(c);
      expect(await store.clients.expirePreviousSecret(c.id, NOW)).toBe(false);
      await store.clients.rotateSecret(c.id, 'b'.repeat(64), NOW + 3600, NOW);
      const results = await Promise.all([1, 2, 3].map(() => store.clients.expirePreviousSecret(c.id, NOW + 10)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.clients.find(c.id)).toMatchObject({ secretHash: 'b'.repeat(64), previousSecretHash: null });
    });

    it('setScopes replaces the scopes of a live client only', async () => {
      const c = client();
      await store.clients.create(c);
      expect(await store.clients.setScopes(c.id, ['transactions'])).toBe(true);
      expect((await store.clients.find(c.id))!.scopes).toEqual(['transactions']);
      await store.clients.delete(c.id, NOW);
      expect(await store.clients.setScopes(c.id, ['webhooks'])).toBe(false);
    });

    it('form submissions: of concurrent claims of one nonce exactly one wins; its outcome is kept; a released claim can be made again', async () => {
      const nonce = 'n'.repeat(64);
      const won = await Promise.all(Array.from({ length: 10 }, () => store.formSubmissions.claim(nonce, 's'.repeat(64), NOW)));
      expect(won.filter(Boolean)).toHaveLength(1);
      expect(await store.formSubmissions.find(nonce)).toEqual({ scopeHash: 's'.repeat(64), outcome: null });
      await store.formSubmissions.complete(nonce, '/account/sandbox?done=x');
      await store.formSubmissions.release(nonce); // a completed claim is never released
      expect(await store.formSubmissions.find(nonce)).toEqual({ scopeHash: 's'.repeat(64), outcome: '/account/sandbox?done=x' });
      const other = 'o'.repeat(64);
      expect(await store.formSubmissions.claim(other, 's'.repeat(64), NOW)).toBe(true);
      await store.formSubmissions.release(other);
      expect(await store.formSubmissions.claim(other, 's'.repeat(64), NOW)).toBe(true);
      expect(await store.formSubmissions.purgeBefore(NOW + 1, 1)).toBe(1);
      expect(await store.formSubmissions.purgeBefore(NOW + 1, 10)).toBe(1);
    });

    it('secret reveals: 10 concurrent takes → one shown, the rest already shown; another session or an expired one is unknown', async () => {
      const reveal = { refHash: 'r'.repeat(64), sessionHash: 's'.repeat(64), clientId: 'c1', kind: 'rotated' as const, sealed: 'v1.sealed', createdAt: NOW, expiresAt: NOW + 300 };
      await store.secretReveals.create(reveal);
      expect(await store.secretReveals.take(reveal.refHash, 't'.repeat(64), NOW)).toEqual({ status: 'unknown' });
      const takes = await Promise.all(Array.from({ length: 10 }, () => store.secretReveals.take(reveal.refHash, reveal.sessionHash, NOW + 1)));
      expect(takes.filter((t) => t.status === 'shown')).toEqual([{ status: 'shown', clientId: 'c1', kind: 'rotated', sealed: 'v1.sealed' }]);
      expect(takes.filter((t) => t.status === 'already_shown')).toHaveLength(9);
      expect(await store.secretReveals.take(reveal.refHash, reveal.sessionHash, NOW + 2)).toEqual({ status: 'already_shown', clientId: 'c1', kind: 'rotated' });
      await store.secretReveals.create({ ...reveal, refHash: 'q'.repeat(64) });
      expect(await store.secretReveals.take('q'.repeat(64), reveal.sessionHash, NOW + 300)).toEqual({ status: 'unknown' });
      expect(await store.secretReveals.purgeExpired(NOW + 301, 10)).toBe(2);
    });

    it('two-factor: an enabled key is never replaced; only the starting session finishes; steps only move forward; a recovery code is used once, each race has one winner', async () => {
      const m = `merchant-2fa-${backend.name}`;
      const tf = store.twoFactor;
      expect(await tf.startSetup({ merchantId: m, secretSealed: 'v1.a', createdAt: NOW, setupSessionHash: 's1' })).toBe(true);
      // A restarted enrolment replaces the unfinished one.
      expect(await tf.startSetup({ merchantId: m, secretSealed: 'v1.b', createdAt: NOW, setupSessionHash: 's2' })).toBe(true);
      expect(await tf.enable(m, 's1', 10, NOW, ['x'.repeat(64)])).toBe(false);
      expect(await tf.acceptStep(m, 11)).toBe(false);
      const enables = await Promise.all([tf.enable(m, 's2', 10, NOW, ['a'.repeat(64), 'b'.repeat(64)]), tf.enable(m, 's2', 10, NOW, ['c'.repeat(64)])]);
      expect(enables.filter(Boolean)).toHaveLength(1);
      expect(await tf.find(m)).toMatchObject({ secretSealed: 'v1.b', enabledAt: NOW, setupSessionHash: null, lastStep: 10 });
      expect(await tf.startSetup({ merchantId: m, secretSealed: 'v1.c', createdAt: NOW, setupSessionHash: 's3' })).toBe(false);
      expect((await tf.find(m))!.secretSealed).toBe('v1.b');
      expect(await tf.acceptStep(m, 10)).toBe(false);
      expect((await Promise.all([tf.acceptStep(m, 11), tf.acceptStep(m, 11), tf.acceptStep(m, 11)])).filter(Boolean)).toHaveLength(1);
      expect(await tf.acceptStep(m, 10)).toBe(false);
      const code = enables[0] ? 'a'.repeat(64) : 'c'.repeat(64);
      const left = await tf.unusedRecoveryCodes(m);
      expect(await tf.useRecoveryCode('another merchant', code, NOW)).toBe(false);
      expect((await Promise.all([tf.useRecoveryCode(m, code, NOW), tf.useRecoveryCode(m, code, NOW)])).filter(Boolean)).toHaveLength(1);
      expect(await tf.unusedRecoveryCodes(m)).toBe(left - 1);
      await tf.replaceRecoveryCodes(m, ['d'.repeat(64), 'e'.repeat(64), 'f'.repeat(64)], NOW);
      expect(await tf.unusedRecoveryCodes(m)).toBe(3);
      expect(await tf.useRecoveryCode(m, 'b'.repeat(64), NOW)).toBe(false);
      expect(await tf.disable(m)).toBe(true);
      expect(await tf.disable(m)).toBe(false);
      expect(await tf.unusedRecoveryCodes(m)).toBe(0);
      // An enrolment never finished is purged after its time; an enabled one is kept.
      await tf.startSetup({ merchantId: `${m}-abandoned`, secretSealed: 'v1.d', createdAt: NOW - 100, setupSessionHash: 's4' });
      expect(await tf.purgeAbandonedSetups(NOW - 50, 10)).toBe(1);
      expect(await tf.find(`${m}-abandoned`)).toBeUndefined();
    });

    it('sessions: one waiting for its second step completes once', async () => {
      const session = { idHash: `p${backend.name}`.padEnd(64, '0'), merchantId: 'm', createdAt: NOW, authenticatedAt: NOW, lastSeenAt: NOW, expiresAt: NOW + 300, ip: null, userAgent: null, secondFactorPending: true };
      await store.sessions.create(session);
      expect(await store.sessions.find(session.idHash)).toMatchObject({ secondFactorPending: true });
      const done = await Promise.all([store.sessions.completeSecondFactor(session.idHash, NOW + 5, NOW + 5 + 43_200), store.sessions.completeSecondFactor(session.idHash, NOW + 5, NOW + 5 + 43_200)]);
      expect(done.filter(Boolean)).toHaveLength(1);
      expect(await store.sessions.find(session.idHash)).toMatchObject({ secondFactorPending: false, authenticatedAt: NOW + 5, expiresAt: NOW + 5 + 43_200 });
    });

    it('delete revokes every token of the client in the same step and is idempotent', async () => {
      const c = client();
      await store.clients.create(c);
      const t1 = token(c.id);
      const t2 = token(c.id);
      await store.tokens.insert(t1);
      await store.tokens.insert(t2);
      expect(await store.tokens.countActiveByClient(c.id, NOW)).toBe(2);
      expect(await store.clients.delete(c.id, NOW)).toBe(true);
      expect(await store.clients.delete(c.id, NOW)).toBe(false);
      expect((await store.tokens.find(t1.key))?.revokedAt).toBe(NOW);
      expect((await store.tokens.find(t2.key))?.revokedAt).toBe(NOW);
      expect(await store.tokens.countActiveByClient(c.id, NOW)).toBe(0);
    });

    it('a token round-trips; a duplicate digest is refused', async () => {
      const t = token('x', { grantId: 'g', subject: 's', kind: 'refresh' });
      await store.tokens.insert(t);
      expect(await store.tokens.find(t.key)).toEqual(t);
      await expect(store.tokens.insert(t)).rejects.toThrow();
      expect(await store.tokens.find('nope')).toBeUndefined();
    });

    it('RFC 9449 §6: a DPoP-bound token keeps its key thumbprint through every write path (insert, insertMany, rotation)', async () => {
      const jkt = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';
      const single = token('x', { jkt });
      await store.tokens.insert(single);
      expect(await store.tokens.find(single.key)).toEqual(single);
      const [a, b] = [token('x', { jkt, kind: 'refresh', grantId: 'gj' }), token('x', { jkt, grantId: 'gj' })];
      await store.tokens.insertMany([a, b]);
      expect((await store.tokens.find(b.key))?.jkt).toBe(jkt);
      const successor = token('x', { jkt, grantId: 'gj' });
      expect(await store.tokens.rotateRefresh(a.key, NOW, [successor])).toBe('rotated');
      expect((await store.tokens.find(successor.key))?.jkt).toBe(jkt);
    });

    it('RFC 8707 with RFC 9449: a token restricted to a resource and bound to a DPoP key keeps both (insert, insertMany)', async () => {
      const both = { audience: ['https://a.example/'], jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' };
      const single = token('x', both);
      await store.tokens.insert(single);
      expect(await store.tokens.find(single.key)).toEqual(single);
      const batch = [token('x', both), token('x', { audience: ['https://b.example/', 'https://c.example/'] }), token('x', { jkt: both.jkt })];
      await store.tokens.insertMany(batch);
      for (const t of batch) expect(await store.tokens.find(t.key)).toEqual(t);
    });

    it('RFC 7009 §2.1: revoking a refresh token revokes the access tokens of its grant, not others', async () => {
      const g = `grant-${seq}`;
      const rt = token('c', { kind: 'refresh', grantId: g });
      const at = token('c', { grantId: g });
      const other = token('c', { grantId: 'other' });
      for (const t of [rt, at, other]) await store.tokens.insert(t);
      await store.tokens.revoke(rt.key, NOW);
      expect((await store.tokens.find(rt.key))?.revokedAt).toBe(NOW);
      expect((await store.tokens.find(at.key))?.revokedAt).toBe(NOW);
      expect((await store.tokens.find(other.key))?.revokedAt).toBeNull();
    });

    it('revoking an access token leaves its grant\'s refresh token alone; a second revoke keeps the first time', async () => {
      const g = `grant-${seq}`;
      const rt = token('c', { kind: 'refresh', grantId: g });
      const at = token('c', { grantId: g });
      await store.tokens.insert(rt);
      await store.tokens.insert(at);
      await store.tokens.revoke(at.key, NOW);
      await store.tokens.revoke(at.key, NOW + 50);
      expect((await store.tokens.find(at.key))?.revokedAt).toBe(NOW);
      expect((await store.tokens.find(rt.key))?.revokedAt).toBeNull();
    });

    it('RFC 7009 §2.1 holds for revocations made together: each takes its own grant or only itself, an unknown one nothing', async () => {
      const [g1, g2] = [`together-1-${seq}`, `together-2-${seq}`];
      const r1 = token('c', { kind: 'refresh', grantId: g1 });
      const a1 = token('c', { grantId: g1 });
      const r2 = token('c', { kind: 'refresh', grantId: g2 });
      const a2 = token('c', { grantId: g2 });
      const plain = token('c');
      const bystander = token('c');
      for (const t of [r1, a1, r2, a2, plain, bystander]) await store.tokens.insert(t);
      await Promise.all([
        store.tokens.revoke(r1.key, NOW),
        store.tokens.revoke(a2.key, NOW + 1),
        store.tokens.revoke(plain.key, NOW),
        store.tokens.revoke('no-such-token', NOW),
      ]);
      const revokedAt = async (t: TokenRecord) => (await store.tokens.find(t.key))?.revokedAt;
      expect(await Promise.all([r1, a1, r2, a2, plain, bystander].map(revokedAt))).toEqual([NOW, NOW, null, NOW + 1, NOW, null]);
    });

    it('countActiveByClient ignores expired and revoked tokens', async () => {
      const id = `counter-${seq}`;
      await store.tokens.insert(token(id));
      await store.tokens.insert(token(id, { expiresAt: NOW - 1 }));
      await store.tokens.insert(token(id, { revokedAt: NOW }));
      expect(await store.tokens.countActiveByClient(id, NOW)).toBe(1);
      expect(await store.tokens.revokeByClient(id, NOW)).toBe(2);
      expect(await store.tokens.countActiveByClient(id, NOW)).toBe(0);
    });

    it('purgeExpired deletes in bounded batches and never a live token', async () => {
      const id = `purge-${seq}`;
      const live = token(id, { expiresAt: 2_000_000_000 });
      await store.tokens.insert(live);
      for (let i = 0; i < 25; i++) await store.tokens.insert(token(id, { expiresAt: 1000 + i }));
      expect(await store.tokens.purgeExpired(5000, 10)).toBe(10);
      expect(await store.tokens.purgeExpired(5000, 10)).toBe(10);
      expect(await store.tokens.purgeExpired(5000, 10)).toBe(5);
      expect(await store.tokens.purgeExpired(5000, 10)).toBe(0);
      expect(await store.tokens.find(live.key)).toEqual(live);
    });

    it('50 concurrent inserts all land', async () => {
      const id = `burst-${seq}`;
      await Promise.all(Array.from({ length: 50 }, () => store.tokens.insert(token(id, { expiresAt: 2_000_000_000 }))));
      expect(await store.tokens.countActiveByClient(id, NOW)).toBe(50);
    });

    it('concurrent look-ups each get their own row: clients, tokens and failure windows (one turn, duplicates, misses, a deleted client)', async () => {
      const clients = Array.from({ length: 30 }, () => client());
      for (const c of clients) await store.clients.create(c);
      const gone = client();
      await store.clients.create(gone);
      await store.clients.delete(gone.id, NOW);
      const tokens = clients.map((c) => token(c.id));
      await Promise.all(tokens.map((t) => store.tokens.insert(t)));
      const ids = [...clients.map((c) => c.id), clients[0]!.id, gone.id, 'no-such-client'];
      const found = await Promise.all(ids.map((id) => store.clients.find(id)));
      expect(found.slice(0, 30)).toEqual(clients);
      expect(found.slice(30)).toEqual([clients[0], undefined, undefined]);
      const keys = [...tokens.map((t) => t.key), tokens[3]!.key, 'no-such-token'];
      expect(await Promise.all(keys.map((k) => store.tokens.find(k)))).toEqual([...tokens, tokens[3], undefined]);

      const [fresh, stale] = [`kf-${seq}`, `ks-${seq}`];
      await store.failures.increment([fresh], NOW, 60);
      await store.failures.increment([stale], NOW - 120, 60);
      const reads = await Promise.all([
        store.failures.read([fresh, stale], NOW - 60),
        store.failures.read([fresh], NOW),
        store.failures.read([stale], NOW - 200),
      ]);
      expect([...reads[0]]).toEqual([[fresh, { windowStart: NOW, count: 1 }]]);
      expect(reads[1].size).toBe(0); // the window started at NOW, not after it
      expect([...reads[2]]).toEqual([[stale, { windowStart: NOW - 120, count: 1 }]]);
    });

    it('codes: 20 concurrent redemptions of one code → exactly one redeemed, and only its tokens stored', async () => {
      const hash = `code${String(++seq).padStart(60, '0')}`;
      await store.codes.create({ hash, clientId: 'c', environment: 'sandbox', redirectUri: 'https://x/cb', scope: 'webhooks', codeChallenge: 'x'.repeat(43), subject: 'm', grantId: `g-${seq}`, createdAt: NOW, expiresAt: NOW + 60, consumedAt: null });
      const attempts = Array.from({ length: 20 }, (_, i) => token('c', { grantId: `g-${seq}`, key: `race${i}${hash}`.slice(0, 64) }));
      const outcomes = await Promise.all(attempts.map((t) => store.codes.redeem(hash, NOW, [t])));
      expect(outcomes.filter((o) => o === 'redeemed')).toHaveLength(1);
      const stored = await Promise.all(attempts.map((t) => store.tokens.find(t.key)));
      expect(stored.filter(Boolean)).toHaveLength(1);
      expect((await store.codes.find(hash))?.consumedAt).toBe(NOW);
    });

    it('pushed requests (RFC 9126 §4): 20 concurrent uses → exactly one; an expired one cannot be used; purge takes only expired ones', async () => {
      const hash = `par${String(++seq).padStart(61, '0')}`;
      const params = { response_type: 'code', client_id: 'c', redirect_uri: 'https://x/cb', resource: 'https://a.example/ https://b.example/' };
      await store.pushedRequests.create({ hash, clientId: 'c', environment: 'sandbox', params, createdAt: NOW, expiresAt: NOW + 60, consumedAt: null });
      expect(await store.pushedRequests.find(hash)).toEqual({ hash, clientId: 'c', environment: 'sandbox', params, createdAt: NOW, expiresAt: NOW + 60, consumedAt: null });
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => store.pushedRequests.consume(hash, NOW)));
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      expect((await store.pushedRequests.find(hash))?.consumedAt).toBe(NOW);

      const expired = `${hash.slice(0, 60)}xpir`;
      await store.pushedRequests.create({ hash: expired, clientId: 'c', environment: 'sandbox', params, createdAt: NOW - 60, expiresAt: NOW, consumedAt: null });
      expect(await store.pushedRequests.consume(expired, NOW)).toBe(false);
      expect(await store.pushedRequests.purgeExpired(NOW + 1, 1000)).toBeGreaterThanOrEqual(1);
      expect(await store.pushedRequests.find(expired)).toBeUndefined();
      expect(await store.pushedRequests.find(hash)).toBeDefined();
    });

    it('resource indicators (RFC 8707): a token keeps its audience, a code its resources; none stays null', async () => {
      const restricted = token('c', { audience: ['https://a.example/', 'https://b.example/'] });
      const open = token('c');
      await store.tokens.insert(restricted);
      await store.tokens.insertMany([open, token('c', { audience: ['https://c.example/'] })]);
      expect((await store.tokens.find(restricted.key))?.audience).toEqual(['https://a.example/', 'https://b.example/']);
      expect((await store.tokens.find(open.key))?.audience).toBeNull();
      const hash = `rescode${String(++seq).padStart(57, '0')}`;
      await store.codes.create({ hash, clientId: 'c', environment: 'sandbox', redirectUri: 'https://x/cb', scope: 'webhooks', codeChallenge: 'x'.repeat(43), subject: 'm', grantId: `gr-${seq}`, createdAt: NOW, expiresAt: NOW + 60, consumedAt: null, resources: ['https://a.example/'] });
      expect((await store.codes.find(hash))?.resources).toEqual(['https://a.example/']);
    });

    it('refresh rotation: 20 concurrent rotations of one refresh token → exactly one rotated', async () => {
      const rt = token('c', { kind: 'refresh', grantId: `rg-${seq}`, expiresAt: 2_000_000_000 });
      await store.tokens.insert(rt);
      const successors = Array.from({ length: 20 }, () => token('c', { grantId: rt.grantId }));
      const outcomes = await Promise.all(successors.map((s) => store.tokens.rotateRefresh(rt.key, NOW, [s])));
      expect(outcomes.filter((o) => o === 'rotated')).toHaveLength(1);
      expect((await Promise.all(successors.map((s) => store.tokens.find(s.key)))).filter(Boolean)).toHaveLength(1);
      expect((await store.tokens.find(rt.key))?.rotatedAt).toBe(NOW);
      expect(await store.tokens.revokeGrant(rt.grantId!, NOW)).toBe(2);
    });

    it('a revoked refresh token cannot be rotated', async () => {
      const rt = token('c', { kind: 'refresh', grantId: `rv-${seq}`, revokedAt: NOW });
      await store.tokens.insert(rt);
      expect(await store.tokens.rotateRefresh(rt.key, NOW, [token('c')])).toBe('lost');
    });

    it('brute-force counters: concurrent increments all count, windows reset after a minute', async () => {
      const key = `k-${seq}`;
      await Promise.all(Array.from({ length: 10 }, () => store.failures.increment([key], NOW, 60)));
      expect((await store.failures.read([key], NOW - 60)).get(key)).toEqual({ windowStart: NOW, count: 10 });
      await store.failures.increment([key], NOW + 60, 60);
      expect((await store.failures.read([key], NOW)).get(key)).toEqual({ windowStart: NOW + 60, count: 1 });
      expect(await store.failures.purge(NOW + 61, 100)).toBeGreaterThanOrEqual(1);
    });

    it('brute-force counters: failures recorded together count once each, per key, and an old window starts over', async () => {
      const [a, b, c] = [`ka-${seq}`, `kb-${seq}`, `kc-${seq}`];
      await store.failures.increment([a], NOW - 120, 60); // a window that has run out by NOW
      await Promise.all([
        store.failures.increment([a, b], NOW, 60),
        store.failures.increment([a, b], NOW, 60),
        store.failures.increment([b], NOW, 60),
        store.failures.increment([c], NOW + 1, 60),
      ]);
      const windows = await store.failures.read([a, b, c], NOW - 60);
      expect(windows.get(a)).toEqual({ windowStart: NOW, count: 2 });
      expect(windows.get(b)).toEqual({ windowStart: NOW, count: 3 });
      expect(windows.get(c)).toEqual({ windowStart: NOW + 1, count: 1 });
    });

    it('ping answers while the database is up', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
