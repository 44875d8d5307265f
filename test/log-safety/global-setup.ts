import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUN_DIR_ENV } from './run-dir.js';
import { scanRunDir, type ScanReport } from './scanner.js';

/**
 * vitest globalSetup: one fresh log directory per run, exported to every worker (and the `serve` children
 * they spawn) through RUN_DIR_ENV; at the end of the run, the scan. A teardown that throws makes
 * `vitest run` exit 1 even when every test passed (checked for vitest 3.2 by log-safety/exit-code.test.ts),
 * so `npm test` fails on a leak. KEEP_TEST_LOGS=1 keeps the directory of a clean run too.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'mypos-auth-test-logs-'));
  process.env[RUN_DIR_ENV] = dir;
  return () => {
    const started = Date.now();
    const report = scanRunDir(dir);
    console.log(summary(report, Date.now() - started));
    if (report.findings.length > 0) {
      console.error(details(report, dir));
      throw new Error(`log scan: ${report.findings.length} log line(s) hold a secret, a token, a password or an Authorization header (listed above; logs kept in ${dir})`);
    }
    if (process.env.KEEP_TEST_LOGS === '1') console.log(`log scan: logs kept in ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  };
}

function summary(r: ScanReport, ms: number): string {
  const n = (x: number) => x.toLocaleString('en');
  return `\nlog scan: ${n(r.lines)} lines in ${n(r.files)} files, checked against the rules and ${n(r.values)} exact credentials the tests used` +
    ` (${r.deliberate} deliberate shown-once lines skipped), ${ms} ms: ${r.findings.length === 0 ? 'no leak' : `${r.findings.length} leak(s)`}`;
}

function details(r: ScanReport, dir: string): string {
  const shown = r.findings.slice(0, 50).map((f) => `  ${f.file}:${f.line}  ${f.rule}\n      ${f.excerpt}`);
  const more = r.findings.length > shown.length ? [`  … and ${r.findings.length - shown.length} more (in ${dir}/logs)`] : [];
  return ['', 'LEAKS in the captured server logs (credentials masked):', ...shown, ...more, ''].join('\n');
}
