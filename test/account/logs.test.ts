import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../helpers/start-server.js';
import { captureLogger } from '../log-safety/log-capture.js';
import { sqliteBackend } from '../helpers/backends.js';
import { AccountAgent } from './agent.js';
import { basic, postForm } from '../helpers/test-server.js';

describe('web account › G7: no secret, password, session id or CSRF token in the logs', () => {
  const lines: string[] = [];
  let server: RunningServer;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const backend = await sqliteBackend.create();
    cleanup = backend.cleanup;
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const config = resolveConfig({ db: backend.url, serverKey: 'c'.repeat(64), logLevel: 'trace' });
    server = await startServer(config, { store: backend.store, listen: false, logger: captureLogger(sink) });
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  it('a whole session at log level trace leaves none of them in the log', async () => {
    const password = 'a very secret passphrase 42';
    const a = new AccountAgent(server.apps.sandbox);
    await a.signup('logs@example.com', password);
    await a.post('/account/logout');
    await a.login('logs@example.com', 'wrong password guess');
    await a.login('logs@example.com', password);
    const csrf = await a.csrf();
    const { id, secret } = await a.generate('sandbox');
    const rotated = await a.followSecret(await a.post(`/account/credentials/${id}/rotate`, { grace_seconds: '60' }, { csrf }));
    const newSecret = /id="client-secret" class="secret">([A-Za-z0-9]{48})</.exec(rotated.body)![1]!;
    const tok = await postForm(server.apps.sandbox, '/oauth/token', 'grant_type=client_credentials', { authorization: basic(id, newSecret) });
    await postForm(server.apps.sandbox, '/oauth/token', 'grant_type=client_credentials', { authorization: basic(id, 'y'.repeat(48)) });
    await a.post('/account/password', { current_password: password, new_password: 'another secret passphrase' });
    const log = lines.join('');
    expect(lines.length).toBeGreaterThan(5);
    for (const value of [password, 'wrong password guess', 'another secret passphrase', secret, newSecret, tok.json().access_token, a.cookies.get('mypos_session')!, a.cookies.get('mypos_csrf')!, csrf]) {
      expect(log).not.toContain(value);
    }
  });
});
