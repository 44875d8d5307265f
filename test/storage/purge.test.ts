import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeExpiredRows } from '../../src/storage/purge.js';
import type { Store, TokenRecord } from '../../src/storage/types.js';
import { BACKENDS } from '../helpers/backends.js';

const NOW = 1_800_000_000;
const DAY = 86_400;
let seq = 0;
const token = (expiresAt: number): TokenRecord => ({
  key: `p${String(++seq).padStart(63, '0')}`,
  kind: 'access',
  clientId: 'c',
  environment: 'sandbox',
  scope: 'webhooks',
  issuedAt: expiresAt - 3600,
  expiresAt,
  revokedAt: null,
  grantId: null,
  subject: null,
  rotatedAt: null,
  familyExpiresAt: null,
});

for (const backend of BACKENDS) {
  describe(`purge of expired rows (${backend.name})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await backend.create());
    });
    afterAll(() => cleanup());

    it('bounded batches: every expired row goes in one pass, however many batches it takes; live rows stay', async () => {
      const expired = Array.from({ length: 7 }, () => token(NOW - DAY - 10));
      const recent = token(NOW - 10); // expired, but within the day of slack
      const live = token(NOW + 3600);
      for (const t of [...expired, recent, live]) await store.tokens.insert(t);
      await store.failures.increment(['old-window'], NOW - 300, 60);
      await store.failures.increment(['current-window'], NOW - 10, 60);

      expect(await purgeExpiredRows(store, NOW, 2)).toBe(8);

      for (const t of expired) expect(await store.tokens.find(t.key)).toBeUndefined();
      expect(await store.tokens.find(recent.key)).toBeDefined();
      expect(await store.tokens.find(live.key)).toBeDefined();
      expect([...(await store.failures.read(['old-window', 'current-window'], 0)).keys()]).toEqual(['current-window']);
    });
  });
}
