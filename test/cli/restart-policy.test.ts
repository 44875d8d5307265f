import { describe, expect, it } from 'vitest';
import { RestartPolicy } from '../../src/cli/restart-policy.js';

const options = { quickExitMs: 10_000, firstDelayMs: 250, maxDelayMs: 8_000, maxQuickFailures: 6 };

describe('worker restart policy › a worker that keeps failing at start is not restarted ten times a second', () => {
  it('each quick failure in a row doubles the delay, up to the cap', () => {
    const policy = new RestartPolicy(options);
    const delays = [1, 2, 3, 4, 5, 6].map(() => policy.onExit(100));
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 8000].map((delayMs) => ({ action: 'restart', delayMs })));
  });

  it('after the allowed quick failures in a row the primary gives up', () => {
    const policy = new RestartPolicy(options);
    for (let i = 0; i < 6; i++) expect(policy.onExit(50).action).toBe('restart');
    expect(policy.onExit(50)).toEqual({ action: 'give-up', quickFailures: 6 });
  });

  it('a worker that ran a while resets the count: a crash in service is restarted at once, however many came before', () => {
    const policy = new RestartPolicy(options);
    for (let i = 0; i < 6; i++) policy.onExit(50);
    expect(policy.onExit(60_000)).toEqual({ action: 'restart', delayMs: 250 });
    expect(policy.onExit(10_000)).toEqual({ action: 'restart', delayMs: 250 });
  });
});
