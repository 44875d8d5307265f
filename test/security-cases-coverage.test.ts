import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The security review: every row of SECURITY-CASES.md is covered by a test whose name cites
 * it (`'A9: wrong secret → 401'`, `row: 'A9'`, …). The catalogue lives beside the repository
 * (../shared/SECURITY-CASES.md); a checkout without it skips with a visible message.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const catalogue = join(root, '..', 'shared', 'SECURITY-CASES.md');

function testSources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testSources(path);
    return name.endsWith('.test.ts') && !path.endsWith('security-cases-coverage.test.ts') ? [readFileSync(path, 'utf8')] : [];
  });
}

let text: string | undefined;
try {
  text = readFileSync(catalogue, 'utf8');
} catch {
  console.warn(`\n[mypos-auth tests] ${catalogue} not found: the SECURITY-CASES coverage check is SKIPPED.\n`);
}

describe.runIf(text !== undefined)('security review › every SECURITY-CASES row has a test that names it', () => {
  const rows = [...(text ?? '').matchAll(/^\| ([A-G]\d+) \|/gm)].map((m) => m[1]!);
  const sources = testSources(join(root, 'test')).join('\n');

  it('the catalogue parses', () => {
    expect(rows.length).toBeGreaterThan(60);
  });

  it.each(rows)('%s is cited by a test', (row) => {
    // A row is cited as `A9:` / `A9/` / `'A9'` in a test name or table, never as part of a longer id (A1 ≠ A17).
    expect(sources).toMatch(new RegExp(`(^|[^A-Za-z0-9])${row}([^0-9]|$)`, 'm'));
  });
});
