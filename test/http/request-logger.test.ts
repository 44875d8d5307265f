import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import type { RunningServer } from '../../src/server.js';
import { sqliteBackend } from '../helpers/backends.js';
import { startServer } from '../helpers/start-server.js';
import { captureLogger } from '../log-safety/log-capture.js';

/** The real pino logger at `level`, writing JSON lines into an array (and into the run's log capture). */
function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, logger: captureLogger(sink, level)! };
}

describe('request logging: an access line per request at info, warnings with their request id', () => {
  let server: RunningServer | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await server?.close();
    await cleanup?.();
  });

  async function start(level: string) {
    const { lines, logger } = capture(level);
    const backend = await sqliteBackend.create();
    cleanup = backend.cleanup;
    server = await startServer(resolveConfig({ db: backend.url, serverKey: 'b'.repeat(64), logLevel: level }), { store: backend.store, logger, listen: false });
    return lines;
  }

  it('at info, every request writes one access line carrying its own request id', async () => {
    const lines = await start('info');
    const app = server!.apps.sandbox;
    await app.inject({ method: 'GET', url: '/healthz' });
    await app.inject({ method: 'GET', url: '/no/such/path?token=abc' });
    const access = lines.filter((l) => l.msg === 'request');
    expect(access.map((l) => [l.path, l.status])).toEqual([['/healthz', 200], ['/no/such/path', 404]]);
    expect(access[0]!.reqId).toBeDefined();
    expect(access[0]!.reqId).not.toBe(access[1]!.reqId);
    expect(access[0]!.environment).toBe('sandbox');
  });

  it('at warn, no access lines; a storage failure still logs its warning with the request id', async () => {
    const lines = await start('warn');
    const app = server!.apps.sandbox;
    await app.inject({ method: 'GET', url: '/healthz' });
    expect(lines.filter((l) => l.msg === 'request')).toEqual([]);
    // The database goes away under the server: the token endpoint answers 503 and says why in the log.
    await server!.store.close();
    const res = await app.inject({ method: 'POST', url: '/oauth/token', payload: 'grant_type=client_credentials', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic ' + Buffer.from('a:b').toString('base64') } });
    expect(res.statusCode).toBe(503);
    const warning = lines.find((l) => l.msg === 'storage unavailable');
    expect(warning?.reqId).toBeDefined();
    expect(warning?.level).toBe(40);
  });
});
