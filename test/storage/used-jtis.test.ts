import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayKey } from '../../src/core/replay-key.js';
import { SecretHasher } from '../../src/core/secret-hasher.js';
import { openStore } from '../../src/storage/open-store.js';
import { purgeExpiredRows } from '../../src/storage/purge.js';
import type { Store } from '../../src/storage/types.js';
import { BACKENDS } from '../helpers/backends.js';

const NOW = 1_800_000_000;
let seq = 0;
const key = () => `k${String(++seq).padStart(63, '0')}`;

for (const backend of BACKENDS) {
  describe(`single-use JWT ids (${backend.name})`, () => {
    let store: Store;
    /** A second node: its own connection (pool) to the same database. */
    let other: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      let url: string;
      ({ store, url, cleanup } = await backend.create());
      other = await openStore(url, { migrate: true });
    });
    afterAll(async () => {
      await other.close();
      await cleanup();
    });

    it('claimOnce: the first claim of an id wins, every later one is a replay', async () => {
      const k = key();
      expect(await store.usedJtis.claimOnce('dpop_proof', k, NOW + 60)).toBe(true);
      expect(await store.usedJtis.claimOnce('dpop_proof', k, NOW + 60)).toBe(false);
      expect(await store.usedJtis.claimOnce('dpop_proof', k, NOW + 600)).toBe(false);
    });

    it('claimOnce: purposes are separate namespaces; the same key under another purpose is a first use', async () => {
      const k = key();
      expect(await store.usedJtis.claimOnce('dpop_proof', k, NOW + 60)).toBe(true);
      expect(await store.usedJtis.claimOnce('client_assertion', k, NOW + 60)).toBe(true);
      expect(await store.usedJtis.claimOnce('client_assertion', k, NOW + 60)).toBe(false);
    });

    it('a race across two nodes has one winner: 20 concurrent claims of one id → exactly one true', async () => {
      const k = key();
      const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).usedJtis.claimOnce('dpop_proof', k, NOW + 60)));
      expect(claims.filter(Boolean)).toHaveLength(1);
      // Each node sees the other's claim at once.
      expect(await other.usedJtis.claimOnce('dpop_proof', k, NOW + 60)).toBe(false);
      expect(await store.usedJtis.claimOnce('dpop_proof', k, NOW + 60)).toBe(false);
    });

    it('purgeExpired deletes only ids past their expiry, at most `limit` per batch', async () => {
      const [gone1, gone2, gone3, kept] = [key(), key(), key(), key()];
      for (const k of [gone1, gone2, gone3]) await store.usedJtis.claimOnce('purge_test', k, NOW - 1);
      await store.usedJtis.claimOnce('purge_test', kept, NOW + 60);
      expect(await store.usedJtis.purgeExpired(NOW, 2)).toBe(2);
      expect(await store.usedJtis.purgeExpired(NOW, 10)).toBeGreaterThanOrEqual(1);
      expect(await store.usedJtis.purgeExpired(NOW, 10)).toBe(0);
      // A purged id can be claimed again (its proof would be refused by its age first); a live one cannot.
      expect(await store.usedJtis.claimOnce('purge_test', gone1, NOW + 60)).toBe(true);
      expect(await store.usedJtis.claimOnce('purge_test', kept, NOW + 60)).toBe(false);
    });

    it('the purge job empties expired ids with the other tables, and keeps live ones', async () => {
      const [old, live] = [key(), key()];
      await store.usedJtis.claimOnce('dpop_proof', old, NOW + 10);
      await store.usedJtis.claimOnce('dpop_proof', live, NOW + 1000);
      await purgeExpiredRows(store, NOW + 11, 1);
      expect(await store.usedJtis.claimOnce('dpop_proof', old, NOW + 2000)).toBe(true);
      expect(await store.usedJtis.claimOnce('dpop_proof', live, NOW + 2000)).toBe(false);
    });
  });
}

describe('replay keys', () => {
  const hasher = new SecretHasher(Buffer.alloc(32, 7));

  it('one fixed-size digest per (signer, jti): the same jti of two signers are two keys', () => {
    const a = replayKey(hasher, 'signer-a', 'x'.repeat(5000));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(replayKey(hasher, 'signer-a', 'x'.repeat(5000))).toBe(a);
    expect(replayKey(hasher, 'signer-b', 'x'.repeat(5000))).not.toBe(a);
    // The separator keeps ("ab", "c") and ("a", "bc") apart.
    expect(replayKey(hasher, 'ab', 'c')).not.toBe(replayKey(hasher, 'a', 'bc'));
  });
});
