import { describe, expect, it } from 'vitest';
// @ts-expect-error -- plain ESM module of the bench package, no type declarations
import { checkTargets } from '../../bench/targets.mjs';

const row = (server: string, scenario: string, rps: number, extra: Record<string, number> = {}) => ({ server, scenario, rps, p50: 10, p99: 20, cpuUsPerRequest: 1e6 / rps, ...extra });

describe('bench targets (issue #8)', () => {
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
});
