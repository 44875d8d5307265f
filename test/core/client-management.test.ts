import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, rotateClientSecret, type NewClient } from '../../src/core/client-management.js';
import { SecretHasher } from '../../src/core/secret-hasher.js';
import type { Store } from '../../src/storage/types.js';
import { BACKENDS } from '../helpers/backends.js';
import { TestClock } from '../helpers/test-server.js';

/** Client registration rules (CLI and Web Account both go through createClient). */
for (const backend of BACKENDS) {
  describe(`core/client-management › creating and rotating clients (${backend.name})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    const hasher = new SecretHasher(Buffer.alloc(32, 7));
    const clock = new TestClock();
    const deps = () => ({ clients: store.clients, hasher, clock });
    const base: NewClient = { environment: 'sandbox', name: 'Shop', scopes: ['webhooks'] };
    beforeAll(async () => {
      ({ store, cleanup } = await backend.create());
    });
    afterAll(() => cleanup());

    it('a confidential client: a 48-character secret, stored only as its keyed digest; defaults client_credentials, no redirect URIs', async () => {
      const { client, secret } = await createClient(deps(), { ...base, name: '  Shop  ' });
      expect(secret).toMatch(/^[A-Za-z0-9]{48}$/);
      expect(client).toMatchObject({ name: 'Shop', grantTypes: ['client_credentials'], redirectUris: [], isResourceServer: false, merchantId: null, createdAt: clock.now() });
      expect(client.secretHash).toBe(hasher.hash('client_secret', secret!));
      expect(await store.clients.find(client.id)).toMatchObject({ id: client.id, secretHash: client.secretHash });
    });

    it('RFC 6749 §2.1: a public client has no secret at all', async () => {
      const { client, secret } = await createClient(deps(), { ...base, isPublic: true, grantTypes: ['authorization_code'], redirectUris: ['https://app.example/cb'] });
      expect(secret).toBeUndefined();
      expect(client.secretHash).toBeNull();
      expect((await store.clients.find(client.id))!.secretHash).toBeNull();
    });

    it('repeated grant types, redirect URIs and scopes are kept once', async () => {
      const { client } = await createClient(deps(), {
        ...base,
        scopes: ['webhooks', 'devices', 'webhooks'],
        grantTypes: ['authorization_code', 'refresh_token', 'authorization_code'],
        redirectUris: ['https://app.example/cb', 'https://app.example/cb'],
        isResourceServer: true,
        merchantId: 'm-1',
      });
      expect(client).toMatchObject({ scopes: ['webhooks', 'devices'], grantTypes: ['authorization_code', 'refresh_token'], redirectUris: ['https://app.example/cb'], isResourceServer: true, merchantId: 'm-1' });
    });

    it('a name of 100 characters is taken', async () => {
      expect((await createClient(deps(), { ...base, name: 'n'.repeat(100) })).client.name).toHaveLength(100);
    });

    it.each<[string, Partial<NewClient>, string]>([
      ['an empty name', { name: '   ' }, '1 to 100 characters'],
      ['a name of 101 characters', { name: 'n'.repeat(101) }, '1 to 100 characters'],
      ['an unknown grant type', { grantTypes: ['password'] }, 'Unknown grant type "password"; supported: client_credentials, authorization_code, refresh_token'],
      ['a bad redirect URI', { grantTypes: ['authorization_code'], redirectUris: ['http://app.example/cb'] }, 'must use https'],
      ['authorization_code without a redirect URI', { grantTypes: ['authorization_code'] }, 'needs at least one redirect URI'],
      ['a public client with client_credentials', { isPublic: true }, 'cannot use client_credentials'],
      ['no scope', { scopes: [] }, 'at least one scope'],
      ['an unknown scope', { scopes: ['admin'] }, 'Unknown scope "admin"; known scopes: webhooks, transactions, devices'],
    ])('refuses %s', async (_name, over, message) => {
      const before = await store.clients.count();
      await expect(createClient(deps(), { ...base, ...over })).rejects.toThrow(message);
      expect(await store.clients.count()).toBe(before);
    });

    it('rotation: a new secret; the old one is kept as previous until the grace period ends', async () => {
      const { client, secret: old } = await createClient(deps(), base);
      const fresh = await rotateClientSecret(deps(), client.id, 300);
      expect(fresh).toMatch(/^[A-Za-z0-9]{48}$/);
      expect(fresh).not.toBe(old);
      const row = (await store.clients.find(client.id))!;
      expect(row.secretHash).toBe(hasher.hash('client_secret', fresh!));
      expect(row.previousSecretHash).toBe(hasher.hash('client_secret', old!));
      expect(row.previousSecretExpiresAt).toBe(clock.now() + 300);
    });

    it('rotation with grace 0 ends the old secret now; an unknown client → undefined', async () => {
      const { client } = await createClient(deps(), base);
      await rotateClientSecret(deps(), client.id, 0);
      expect((await store.clients.find(client.id))!.previousSecretExpiresAt).toBe(clock.now());
      expect(await rotateClientSecret(deps(), 'X'.repeat(24), 0)).toBeUndefined();
    });

    it.each([-1, 1.5, Number.NaN])('rotation refuses a grace period of %s seconds', async (grace) => {
      const { client } = await createClient(deps(), base);
      await expect(rotateClientSecret(deps(), client.id, grace)).rejects.toThrow('whole number of seconds');
      expect((await store.clients.find(client.id))!.previousSecretHash).toBeNull();
    });
  });
}
