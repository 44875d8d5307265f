import { describe, expect, it } from 'vitest';
// @ts-expect-error -- plain ESM module of the bench package, no type declarations
import { checkTargets } from '../../bench/targets.mjs';
// @ts-expect-error -- plain ESM module of the bench package, no type declarations
import { median, mergeRounds } from '../../bench/rounds.mjs';

const row = (server: string, scenario: string, rps: number, extra: Record<string, number> = {}) => ({ server, scenario, rps, p50: 10, p99: 20, cpuUsPerRequest: 1e6 / rps, ...extra });

describe('bench targets', () => {
  it('each target is a ratio of two figures of the same run, and says whether it holds', () => {
    const rows = checkTargets([
      row('bare', 'token', 10_000),
      row('ours-sqlite', 'token', 6_000),
      row('oidc-provider', 'token', 2_500),
      row('ours-sqlite-w2', 'token', 5_000),
      row('ours-postgres', 'token', 2_000, { p99: 90 }),
    ]) as Array<{ what: string; value: number; holds: boolean }>;
    const get = (prefix: string) => rows.find((r) => r.what.startsWith(prefix))!;
    expect(get('client_credentials on SQLite, req/s over the ceiling')).toMatchObject({ value: 0.6, holds: true });
    expect(get('client_credentials on SQLite, req/s over oidc-provider')).toMatchObject({ value: 2.4, holds: false });
    expect(get('SQLite --workers 2').value).toBeCloseTo(1.2, 10);
    expect(get('SQLite --workers 2').holds).toBe(false);
    expect(get('client_credentials on PostgreSQL')).toMatchObject({ value: 0.2, holds: false });
    expect(get('p99 over p50 on SQLite, token')).toMatchObject({ value: 2, holds: true });
    // Scenarios and servers that did not run leave no row.
    expect(rows.some((r) => r.what.startsWith('introspection'))).toBe(false);
    expect(rows.some((r) => r.what.startsWith('10 M tokens'))).toBe(false);
  });

  it('with --repeat, each target is taken within every round and the median of the rounds decides', () => {
    // Round 2's ceiling is slow, so its ratio is high: one noisy round must not decide the target.
    const rounds = [
      [row('bare', 'token', 10_000), row('ours-postgres', 'token', 2_400)],
      [row('bare', 'token', 6_000), row('ours-postgres', 'token', 2_400)],
      [row('bare', 'token', 10_000), row('ours-postgres', 'token', 2_300)],
    ];
    const pg = (checkTargets(rounds) as Array<{ what: string; value: number; holds: boolean; rounds: number[] }>).find((r) => r.what.startsWith('client_credentials on PostgreSQL'))!;
    expect(pg.rounds).toEqual([0.24, 0.4, 0.23]);
    expect(pg).toMatchObject({ value: 0.24, holds: false });
  });
});

describe('bench rounds (--repeat N)', () => {
  it('the median is the middle value, the mean of the middle two for an even count, and ignores missing figures', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([null, 5, Number.NaN])).toBe(5);
    expect(median([])).toBeNull();
  });

  it('merged results carry each figure and ratio as the median of the rounds, the rounds themselves, and summed counts', () => {
    const round = (bareRps: number, oursRps: number, non2xx: number) => [
      { ...row('bare', 'token', bareRps), requests: bareRps, non2xx: 0, ratio: { rps: 1 } },
      { ...row('ours-sqlite', 'token', oursRps), requests: oursRps, non2xx, statusCodes: { '200': { count: oursRps - non2xx }, '401': { count: non2xx } }, ratio: { rps: oursRps / bareRps } },
    ];
    const merged = mergeRounds([round(10_000, 3_000, 1), round(5_000, 2_000, 2), round(9_000, 2_700, 3)]);
    const ours = merged.find((r: { server: string }) => r.server === 'ours-sqlite');
    expect(ours.rps).toBe(2_700);
    expect(ours.ratio.rps).toBeCloseTo(0.3, 10); // 0.3, 0.4, 0.3: the median of the per-round ratios
    expect(ours.rounds.rps).toEqual([3_000, 2_000, 2_700]);
    expect(ours.requests).toBe(7_700);
    expect(ours.non2xx).toBe(6);
    expect(ours.statusCodes).toEqual({ '200': { count: 7_694 }, '401': { count: 6 } });
    // One round is passed through as it is.
    const single = round(10_000, 3_000, 1);
    expect(mergeRounds([single])).toBe(single);
  });
});
