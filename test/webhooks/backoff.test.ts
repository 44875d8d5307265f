import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, retryDelay } from '../../src/webhooks/worker.js';

describe('webhooks/worker › retry backoff', () => {
  it('doubles from 30 s up to the 2 h cap, jittered within the top quarter of each interval', () => {
    for (let failures = 1; failures <= 12; failures++) {
      const full = Math.min(30 * 2 ** (failures - 1), 7200);
      expect(retryDelay(failures, DEFAULT_BACKOFF, () => 0)).toBe(Math.ceil(full * 0.75));
      expect(retryDelay(failures, DEFAULT_BACKOFF, () => 0.999999)).toBe(Math.ceil(full * 0.99999975));
    }
  });

  it('every delay before the cap is longer than any possible delay before it, whatever the jitter', () => {
    for (let failures = 2; 30 * 2 ** (failures - 1) <= 7200; failures++) {
      expect(retryDelay(failures, DEFAULT_BACKOFF, () => 0)).toBeGreaterThan(retryDelay(failures - 1, DEFAULT_BACKOFF, () => 0.999999));
    }
  });

  it('3 days of failures make dozens of attempts, not thousands', () => {
    let t = 0;
    let attempts = 1;
    while (t <= 3 * 24 * 3600) t += retryDelay(attempts++, DEFAULT_BACKOFF, Math.random);
    expect(attempts).toBeGreaterThan(30);
    expect(attempts).toBeLessThan(60);
  });
});
