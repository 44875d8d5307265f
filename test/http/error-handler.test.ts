import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../helpers/start-server.js';
import { sqliteBackend } from '../helpers/backends.js';
import { captureLogger } from '../log-safety/log-capture.js';

describe('error handler', () => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  beforeAll(async () => {
    const b = await sqliteBackend.create();
    cleanup = b.cleanup;
    server = await startServer(resolveConfig({ db: b.url, serverKey: 'c'.repeat(64), logLevel: 'silent' }), {
      store: b.store,
      listen: false,
      logger: captureLogger(sink),
      plugins: [
        (app) => {
          app.get('/boom', async () => {
            throw new Error('db password=hunter2 at /var/secret');
          });
          app.get('/boom-token', async () => {
            throw new Error(`no grant for refresh token ${'R'.repeat(42)}, client secret ${'S'.repeat(48)}`);
          });
        },
      ],
    });
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  it('an unexpected error → 500 server_error with no detail', async () => {
    const res = await server.apps.sandbox.inject({ method: 'GET', url: '/boom' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: 'server_error' });
    expect(res.body).not.toContain('hunter2');
  });

  // Regression: the error's message and stack were logged verbatim, credential and all (found by the
  // end-of-run log scan, test/log-safety/).
  it('the log keeps the unexpected error, with any credential in its message and stack censored', async () => {
    await server.apps.sandbox.inject({ method: 'GET', url: '/boom-token' });
    const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'unexpected error');
    expect(logged.map((l) => l.err.message)).toEqual([
      'db password=[redacted] at /var/secret',
      'no grant for refresh token [redacted], client secret [redacted]',
    ]);
    for (const l of logged) expect(l.err.stack).toContain('error-handler.test.ts');
    const log = lines.join('');
    for (const secret of ['hunter2', 'R'.repeat(42), 'S'.repeat(48)]) expect(log).not.toContain(secret);
  });
});
