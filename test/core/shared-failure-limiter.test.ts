import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SharedFailureLimiter } from '../../src/core/shared-failure-limiter.js';
import type { Store } from '../../src/storage/types.js';
import { BACKENDS } from '../helpers/backends.js';
import { TestClock } from '../helpers/test-server.js';

for (const backend of BACKENDS) {
  describe(`shared failure limiter (RFC 6749 §2.3.1 brute force, counted in the store) on ${backend.name}`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await backend.create());
    });
    afterAll(() => cleanup());

    it('a (client, address) pair past its limit is blocked; the same client elsewhere and another client here are not', async () => {
      const clock = new TestClock();
      const limiter = new SharedFailureLimiter(store.failures, { perClientPerMinute: 3, perIpPerMinute: 100 }, clock);
      for (let i = 0; i < 3; i++) await limiter.recordFailure('client-a', '10.0.0.1');
      expect(await limiter.blockedFor('client-a', '10.0.0.1')).toBe(60);
      expect(await limiter.blockedFor('client-a', '10.0.0.2')).toBe(0);
      expect(await limiter.blockedFor('client-b', '10.0.0.1')).toBe(0);
      clock.advance(60);
      expect(await limiter.blockedFor('client-a', '10.0.0.1')).toBe(0);
    });

    it('another process sharing the store sees the same counts, and a flood of new pairs does not make a node forget a block', async () => {
      const clock = new TestClock();
      const limits = { perClientPerMinute: 1000, perIpPerMinute: 5 };
      const [node1, node2] = [new SharedFailureLimiter(store.failures, limits, clock), new SharedFailureLimiter(store.failures, limits, clock)];
      expect(await node1.blockedFor('victim', '10.9.9.9')).toBe(0);
      for (let i = 0; i < 5; i++) await node2.recordFailure(`guess-${i}`, '10.9.9.9');
      expect(await node1.blockedFor('victim', '10.9.9.9')).toBe(60);
      // More distinct (client, address) pairs than node1 remembers key digests for.
      // Asked 50 at a time: one round trip each would make this a test of the machine's speed.
      for (let i = 0; i < 10_050; i += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, j) => node1.blockedFor(`other-${i + j}`, `10.1.${(i + j) >> 8}.${(i + j) & 255}`)));
      }
      expect(await node1.blockedFor('victim', '10.9.9.9')).toBe(60);
      expect(await node1.blockedFor('victim', '10.9.9.8')).toBe(0);
    });
  });
}

for (const backend of BACKENDS) {
  describe(`shared failure limiter › namespaces and subjects across addresses (${backend.name})`, () => {
    let store: Store;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await backend.create());
    });
    afterAll(() => cleanup());

    it('limiters in different namespaces keep separate counts in the one table', async () => {
      const clock = new TestClock();
      const limits = { perClientPerMinute: 2, perIpPerMinute: 100 };
      const clients = new SharedFailureLimiter(store.failures, limits, clock);
      const logins = new SharedFailureLimiter(store.failures, limits, clock, { namespace: 'login ' });
      for (let i = 0; i < 2; i++) await logins.recordFailure('someone', '10.0.0.9');
      expect(await logins.blockedFor('someone', '10.0.0.9')).toBe(60);
      expect(await clients.blockedFor('someone', '10.0.0.9')).toBe(0);
    });

    it('subjectAcrossIps: guesses for one subject spread over addresses meet one limit', async () => {
      const clock = new TestClock();
      const limiter = new SharedFailureLimiter(store.failures, { perClientPerMinute: 3, perIpPerMinute: 100 }, clock, { namespace: 'spread ', subjectAcrossIps: true });
      for (let i = 0; i < 3; i++) await limiter.recordFailure('account@example.com', `10.2.0.${i}`);
      expect(await limiter.blockedFor('account@example.com', '10.2.0.200')).toBe(60);
      expect(await limiter.blockedFor('other@example.com', '10.2.0.200')).toBe(0);
    });
  });
}
