import { describe, expect, it } from 'vitest';
import { isStorageUnavailable } from '../../src/storage/unavailable.js';
import { BACKENDS } from '../helpers/backends.js';

describe.each(BACKENDS)('a store that cannot answer is unavailable (503), not broken (500) ($name)', (backend) => {
  it('a closed store', async () => {
    const { store, cleanup } = await backend.create();
    await store.close();
    const err = await store.clients.find('abcdefghijklmnopqrstuvwx').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(isStorageUnavailable(err)).toBe(true);
    await cleanup();
  });

  it('a constraint violation is the request’s problem, not the store’s', async () => {
    const { store, cleanup } = await backend.create();
    const record = { key: 'k'.repeat(73), kind: 'access' as const, clientId: 'c', environment: 'sandbox' as const, scope: 'webhooks', issuedAt: 1, expiresAt: 2, revokedAt: null, grantId: null, subject: null, rotatedAt: null, familyExpiresAt: null };
    await store.tokens.insert(record);
    const err = await store.tokens.insert(record).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(isStorageUnavailable(err)).toBe(false);
    await cleanup();
  });
});
