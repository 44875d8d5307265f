import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RUN_DIR_ENV } from './run-dir.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VITEST = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));

/** `vitest run` on the fixture, in a fresh run directory of its own (not this run's), with or without the leak. */
function runFixture(plantLeak: boolean): Promise<{ code: number; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, PLANT_LEAK: plantLeak ? '1' : '0', KEEP_TEST_LOGS: '0', NO_COLOR: '1' };
  for (const k of Object.keys(env)) if (k === RUN_DIR_ENV || k.startsWith('VITEST')) delete env[k];
  return new Promise((resolve) => {
    execFile(process.execPath, [VITEST, 'run', '--config', 'test/log-safety/fixtures/vitest.config.ts'], { cwd: ROOT, env, timeout: 60_000 }, (err, stdout, stderr) => {
      const output = stdout + stderr;
      const kept = /logs kept in (\S+?)\)/.exec(output)?.[1];
      if (kept) rmSync(kept, { recursive: true, force: true });
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, output });
    });
  });
}

describe('log scan › the end-of-run scan decides the exit status of `vitest run` (vitest 3.2: a throwing globalSetup teardown exits 1)', () => {
  it('a credential planted in a server log fails a run whose tests all pass, naming the file and line with the value masked; without it the same run exits 0', async () => {
    const [leaky, clean] = await Promise.all([runFixture(true), runFixture(false)]);

    expect(clean.output).toContain('1 passed');
    expect(clean.output).toMatch(/log scan: \d+ lines in 1 files.*: no leak/);
    expect(clean.code).toBe(0);

    expect(leaky.output).toContain('1 passed');
    expect(leaky.output).toMatch(/test__log-safety__fixtures__leaky-server\.fixture\.ts\.\d+\.inprocess\.log:1 {2}exact Basic credentials a test used/);
    expect(leaky.output).toContain('log scan: 1 log line(s) hold a secret');
    const planted = Buffer.from(`${'x'.repeat(24)}:planted secret value`).toString('base64');
    expect(leaky.output).not.toContain(planted);
    expect(leaky.code).toBe(1);
  }, 90_000);
});
