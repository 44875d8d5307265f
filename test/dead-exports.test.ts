import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('dead code', () => {
  // knip.json: every file under src/ and packages/client/src is reached from an entry point, and an export is used by another file.
  it('no unused file, export or exported type in the server or the client package (knip)', async () => {
    const run = await promisify(execFile)(process.execPath, [fileURLToPath(new URL('../node_modules/knip/bin/knip.js', import.meta.url)), '--no-progress'], { cwd: ROOT, timeout: 120_000 })
      .then((r) => ({ code: 0, out: r.stdout + r.stderr }), (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? 1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }));
    expect(run.out.replace(/\u001b\[[0-9;]*m/g, ''), 'knip found dead code').not.toMatch(/Unused (files|exports|exported types)/);
    expect(run.code).toBe(0);
  }, 130_000);
});
