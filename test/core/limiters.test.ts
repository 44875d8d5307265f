import { describe, expect, it } from 'vitest';
import { InMemoryFailureLimiter } from '../../src/core/failure-limiter.js';
import { RequestRateLimiter } from '../../src/core/request-rate-limiter.js';

describe('RequestRateLimiter › RFC 7662 §4: a token bucket per caller', () => {
  it('a full bucket allows `burst` requests at once, then asks to wait', () => {
    let now = 0;
    const l = new RequestRateLimiter(2, 3, 10, () => now);
    expect([l.take('a'), l.take('a'), l.take('a')]).toEqual([0, 0, 0]);
    expect(l.take('a')).toBe(1);
    // Another caller has its own bucket.
    expect(l.take('b')).toBe(0);
  });

  it('refills at `perSecond`, never beyond `burst`', () => {
    let now = 0;
    const l = new RequestRateLimiter(2, 3, 10, () => now);
    for (let i = 0; i < 3; i++) l.take('a');
    now = 499;
    expect(l.take('a')).toBe(1); // 0.998 tokens: not yet one
    now = 500;
    expect(l.take('a')).toBe(0); // the refill since 499 ms tops it up past one
    now = 100_000;
    expect([l.take('a'), l.take('a'), l.take('a'), l.take('a')]).toEqual([0, 0, 0, 1]);
  });

  it('the wait is the time to earn one token, rounded up to whole seconds', () => {
    let now = 0;
    const slow = new RequestRateLimiter(0.25, 1, 10, () => now);
    expect(slow.take('a')).toBe(0);
    expect(slow.take('a')).toBe(4);
    now = 2000; // half a token earned
    expect(slow.take('a')).toBe(2);
  });

  it('the burst defaults to the rate', () => {
    const l = new RequestRateLimiter(2, undefined, 10, () => 0);
    expect([l.take('a'), l.take('a'), l.take('a')]).toEqual([0, 0, 1]);
  });

  it('memory is bounded: past maxKeys the oldest bucket is forgotten (and starts full again)', () => {
    const l = new RequestRateLimiter(1, 1, 2, () => 0);
    expect(l.take('a')).toBe(0);
    expect(l.take('a')).toBe(1);
    l.take('b'); // two keys: both kept
    expect(l.take('a')).toBe(1);
    l.take('c'); // three: the oldest, a, goes
    expect(l.take('a')).toBe(0);
  });
});

describe('InMemoryFailureLimiter › RFC 6749 §2.3.1 brute-force protection', () => {
  it('blocks a (client_id, IP) after its allowed failures, for the rest of the window', () => {
    let now = 1000;
    const l = new InMemoryFailureLimiter({ perClientPerMinute: 3, perIpPerMinute: 100 }, () => now);
    expect(l.blockedFor('c', 'ip')).toBe(0);
    l.recordFailure('c', 'ip');
    l.recordFailure('c', 'ip');
    expect(l.blockedFor('c', 'ip')).toBe(0);
    l.recordFailure('c', 'ip');
    expect(l.blockedFor('c', 'ip')).toBe(60);
    now = 1000 + 59_001;
    expect(l.blockedFor('c', 'ip')).toBe(1);
    // The same client from another address, and another client from this one, are not blocked.
    expect(l.blockedFor('c', 'other-ip')).toBe(0);
    expect(l.blockedFor('d', 'ip')).toBe(0);
  });

  it('blocks an IP after its allowed failures, whatever client ids it tries', () => {
    const l = new InMemoryFailureLimiter({ perClientPerMinute: 100, perIpPerMinute: 3 }, () => 0);
    for (const id of ['a', 'b', 'c']) l.recordFailure(id, 'ip');
    expect(l.blockedFor('fresh', 'ip')).toBe(60);
    expect(l.blockedFor('fresh', 'ip2')).toBe(0);
  });

  it('a failure after the window starts a new count of one', () => {
    let now = 0;
    const l = new InMemoryFailureLimiter({ perClientPerMinute: 2, perIpPerMinute: 100 }, () => now);
    l.recordFailure('c', 'ip');
    now = 59_999;
    l.recordFailure('c', 'ip'); // still the first window: two failures
    expect(l.blockedFor('c', 'ip')).toBe(1);
    now = 60_000;
    l.recordFailure('c', 'ip'); // a new window
    expect(l.blockedFor('c', 'ip')).toBe(0);
    l.recordFailure('c', 'ip');
    expect(l.blockedFor('c', 'ip')).toBe(60);
  });

  it('past maxKeys the oldest windows are dropped first', () => {
    const l = new InMemoryFailureLimiter({ perClientPerMinute: 1, perIpPerMinute: 1000, maxKeys: 3 }, () => 0);
    l.recordFailure('a', 'ip'); // keys: ip, a
    l.recordFailure('b', 'ip'); // ip counted in place; b: 3 keys
    l.recordFailure('c', 'ip'); // c: 4 keys, the oldest (ip) goes
    expect([l.blockedFor('a', 'ip'), l.blockedFor('b', 'ip'), l.blockedFor('c', 'ip')]).toEqual([60, 60, 60]);
    l.recordFailure('d', 'ip'); // ip again, then d: a and b go
    expect([l.blockedFor('a', 'ip'), l.blockedFor('b', 'ip'), l.blockedFor('c', 'ip'), l.blockedFor('d', 'ip')]).toEqual([0, 0, 60, 60]);
  });
});

describe('limiters › defaults', () => {
  it('without an injected clock they use the monotonic clock, and still count', () => {
    const bucket = new RequestRateLimiter(1, 1);
    expect(bucket.take('a')).toBe(0);
    expect(bucket.take('a')).toBeGreaterThan(0);
    const failures = new InMemoryFailureLimiter({ perClientPerMinute: 1, perIpPerMinute: 100 });
    failures.recordFailure('c', 'ip');
    expect(failures.blockedFor('c', 'ip')).toBeGreaterThan(0);
  });

  it('long after a block, blockedFor says 0, not a negative wait', () => {
    let now = 0;
    const l = new InMemoryFailureLimiter({ perClientPerMinute: 1, perIpPerMinute: 1 }, () => now);
    l.recordFailure('c', 'ip');
    now = 150_000;
    expect(l.blockedFor('c', 'ip')).toBe(0);
  });
});

describe('InMemoryFailureLimiter › RFC 6749 §2.3.1: a flood of new addresses evicts the oldest windows, not a renewed one', () => {
  it('an address that fails again after its window ended counts as the newest: it stays blocked while older windows go', () => {
    let now = 0;
    const l = new InMemoryFailureLimiter({ perClientPerMinute: 10, perIpPerMinute: 1, maxKeys: 4 }, () => now);
    l.recordFailure('c', '1.1.1.1'); // A's two windows
    now = 61_000; // A's windows have ended
    l.recordFailure('d', '2.2.2.2'); // B's two windows, newer than A's
    now = 62_000;
    l.recordFailure('c', '1.1.1.1'); // A starts new windows: now the newest
    l.recordFailure('e', '3.3.3.3'); // past maxKeys: the two oldest windows (B's) are dropped
    expect(l.blockedFor('c', '1.1.1.1')).toBe(60);
    expect(l.blockedFor('d', '2.2.2.2')).toBe(0);
  });
});
