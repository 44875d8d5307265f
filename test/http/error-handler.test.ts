import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { ERROR_CODES } from '../../src/core/errors.js';
import { startServer, type RunningServer } from '../../src/server.js';
import { sqliteBackend } from '../helpers/backends.js';

describe('error handler', () => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const b = await sqliteBackend.create();
    cleanup = b.cleanup;
    server = await startServer(resolveConfig({ db: b.url, serverKey: 'c'.repeat(64), logLevel: 'silent' }), {
      store: b.store,
      listen: false,
      plugins: [
        (app) => {
          app.get('/boom', async () => {
            throw new Error('db password=hunter2 at /var/secret');
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

  it('every OAuth error code the server emits is documented in the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const code of Object.values(ERROR_CODES).flat()) expect(readme).toContain(`\`${code}\``);
  });
});
