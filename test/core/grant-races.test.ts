import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizationCodeGrant } from '../../src/core/grants/authorization-code.js';
import type { GrantContext } from '../../src/core/grants/grant.js';
import { refreshTokenGrant } from '../../src/core/grants/refresh-token.js';
import type { RequestParams } from '../../src/core/params.js';
import { TokenIssuer } from '../../src/core/token-issuer.js';
import { findByTokenValue } from '../../src/core/token-key.js';
import { grantCode, VERIFIER } from '../helpers/authorize.js';
import { BACKENDS } from '../helpers/backends.js';
import { basic, createTestServer, postForm, type TestServer } from '../helpers/test-server.js';

const CB = 'https://app.example/cb';

/**
 * The losing side of the redemption and rotation races, on every backend. Twenty parallel requests race
 * for real only on PostgreSQL: on SQLite's single connection each request has committed before the next
 * one reads, so the loser's branch (the conditional statement finding the row already taken) never ran
 * there. Here the loser is driven deterministically: it read the code or refresh token before the winner
 * committed (a snapshot), and its conditional statement then runs against the real store after the winner.
 */
for (const backend of BACKENDS) {
  describe(`grant races › the loser of a redemption or rotation race (${backend.name})`, () => {
    let t: TestServer;
    let c: { id: string; secret: string };
    beforeAll(async () => {
      t = await createTestServer({ backend });
      c = await t.client({ grantTypes: ['authorization_code', 'refresh_token'], redirectUris: [CB], scopes: ['webhooks'] });
    });
    afterAll(() => t.close());

    const params = (fields: Record<string, string>): RequestParams => ({ kind: 'form', fields, duplicates: [] });
    const context = async (fields: Record<string, string>, over: Partial<GrantContext>): Promise<GrantContext> => ({
      client: (await t.store.clients.find(c.id))!,
      environment: 'sandbox',
      params: params(fields),
      issuer: new TokenIssuer({ tokens: t.store.tokens, hasher: t.server.hasher, clock: t.clock, lifetimes: { accessTokenTtl: 3600, refreshTokenTtl: 30 * 86_400, refreshTokenIdleTtl: 14 * 86_400 } }),
      codes: t.store.codes,
      tokens: t.store.tokens,
      hasher: t.server.hasher,
      clock: t.clock,
      refreshGraceSeconds: 0,
      knownResources: [],
      ...over,
    });
    const active = async (tok: string) => (await postForm(t.app(), '/oauth/introspect', `token=${tok}`, { authorization: basic(c.id, c.secret) })).json().active;

    it('C2: a redemption that read the code before the winner committed gets invalid_grant, and the winner\'s tokens are revoked', async () => {
      const code = await grantCode(t, c.id);
      const snapshot = (await t.store.codes.find(t.server.hasher.hash('code', code)))!;
      expect(snapshot.consumedAt).toBeNull();
      const winner = await postForm(t.app(), '/oauth/token', `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${VERIFIER}`, {
        authorization: basic(c.id, c.secret),
      });
      expect(winner.statusCode).toBe(200);
      const ctx = await context(
        { grant_type: 'authorization_code', code, redirect_uri: CB, code_verifier: VERIFIER },
        { codes: { find: async () => snapshot, redeem: (...a) => t.store.codes.redeem(...a) } },
      );
      await expect(authorizationCodeGrant(ctx)).rejects.toMatchObject({ code: 'invalid_grant' });
      expect(await active(winner.json().access_token)).toBe(false);
      expect(await active(winner.json().refresh_token)).toBe(false);
    });

    it('fault table (strict): a refresh that read the token before the winner rotated it gets invalid_grant, and the family dies', async () => {
      const code = await grantCode(t, c.id);
      const first = (
        await postForm(t.app(), '/oauth/token', `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${VERIFIER}`, { authorization: basic(c.id, c.secret) })
      ).json();
      const snapshot = (await findByTokenValue(t.store.tokens, t.server.hasher, first.refresh_token))!;
      expect(snapshot.rotatedAt).toBeNull();
      const winner = await postForm(t.app(), '/oauth/token', `grant_type=refresh_token&refresh_token=${first.refresh_token}`, { authorization: basic(c.id, c.secret) });
      expect(winner.statusCode).toBe(200);
      const ctx = await context(
        { grant_type: 'refresh_token', refresh_token: first.refresh_token },
        { tokens: { ...bind(t.store.tokens), find: async () => snapshot } },
      );
      await expect(refreshTokenGrant(ctx)).rejects.toMatchObject({ code: 'invalid_grant' });
      expect(await active(winner.json().access_token)).toBe(false);
      expect(await active(winner.json().refresh_token)).toBe(false);
    });

    it('RFC 6749 §4.1.4: a code client without the refresh_token grant gets a working access token and no refresh token', async () => {
      const noRefresh = await t.client({ grantTypes: ['authorization_code'], redirectUris: [CB], scopes: ['webhooks'] });
      const res = await postForm(t.app(), '/oauth/token', `grant_type=authorization_code&code=${await grantCode(t, noRefresh.id)}&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${VERIFIER}`, {
        authorization: basic(noRefresh.id, noRefresh.secret),
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().refresh_token).toBeUndefined();
      const introspected = await postForm(t.app(), '/oauth/introspect', `token=${res.json().access_token}`, { authorization: basic(noRefresh.id, noRefresh.secret) });
      expect(introspected.json()).toMatchObject({ active: true, token_type: 'Bearer' });
    });

    it('RFC 6749 §5.1: a refresh answers token_type Bearer with the new pair', async () => {
      const code = await grantCode(t, c.id);
      const first = (await postForm(t.app(), '/oauth/token', `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${VERIFIER}`, { authorization: basic(c.id, c.secret) })).json();
      const next = await postForm(t.app(), '/oauth/token', `grant_type=refresh_token&refresh_token=${first.refresh_token}`, { authorization: basic(c.id, c.secret) });
      expect(next.json()).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'webhooks' });
    });

    it('C7: a code is refused at exactly its expiry second (expires_at is the first second it is dead, as RFC 7519 §4.1.4 reads exp)', async () => {
      // grantCode stores expires_at = now + 60.
      const start = t.clock.now();
      const redeem = (code: string) =>
        postForm(t.app(), '/oauth/token', `grant_type=authorization_code&code=${code}&redirect_uri=${encodeURIComponent(CB)}&code_verifier=${VERIFIER}`, { authorization: basic(c.id, c.secret) });
      try {
        const atExpiry = await grantCode(t, c.id);
        const lastSecond = await grantCode(t, c.id);
        t.clock.t = start + 60;
        const refused = await redeem(atExpiry);
        expect(refused.statusCode).toBe(400);
        expect(refused.json().error).toBe('invalid_grant');
        t.clock.t = start + 59;
        expect((await redeem(lastSecond)).statusCode).toBe(200);
      } finally {
        t.clock.t = start;
      }
    });
  });
}

/** The repository's methods, bound, so one of them can be replaced in a spread copy. */
function bind<T extends object>(repo: T): T {
  const out = {} as Record<string, unknown>;
  for (const key of ['find', 'rotateRefresh', 'revokeGrant', 'insertMany'] as const) {
    const fn = (repo as Record<string, unknown>)[key] as (...a: unknown[]) => unknown;
    out[key] = fn.bind(repo);
  }
  return out as T;
}
