import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import type { RunningServer } from '../../src/server.js';
import { sqliteBackend } from '../helpers/backends.js';
import { startServer } from '../helpers/start-server.js';
import { captureLogger } from '../log-safety/log-capture.js';

/**
 * A client that closes its connection halfway through the body makes Node fail the request with
 * `aborted` (ECONNRESET). That is the client's doing: it is logged as a client abort at info, never as
 * "storage unavailable" at warn, which would page whoever alerts on storage outages.
 */
describe('a client that aborts mid-request is logged as a client abort, not a storage outage', () => {
  const lines: Array<{ level: number; msg: string; err?: { code?: string } }> = [];
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const b = await sqliteBackend.create();
    cleanup = b.cleanup;
    const sink = new Writable({
      write(chunk, _enc, done) {
        for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
        done();
      },
    });
    const config = resolveConfig({ db: b.url, serverKey: 'e'.repeat(64), sandboxPort: 0, productionPort: 0, drainDelayMs: 0 });
    server = await startServer(config, { store: b.store, logger: captureLogger(sink) });
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  it.each(['/oauth/token', '/oauth/revoke', '/oauth/introspect'])('POST %s: half a body, then the socket closes', async (path) => {
    const port = Number(new URL(server.urls.sandbox).port);
    const before = lines.length;
    await new Promise<void>((resolve) => {
      const sock = connect(port, '127.0.0.1', () => {
        sock.write(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ngrant_type=client_`);
        setTimeout(() => sock.destroy(), 50);
      });
      sock.on('close', () => resolve());
      sock.on('error', () => {});
    });
    // Wait until the server has handled the abort (its log line), at most a few seconds.
    for (let i = 0; i < 100 && !lines.slice(before).some((l) => l.msg === 'client aborted request'); i++) await new Promise((r) => setTimeout(r, 20));
    const mine = lines.slice(before);
    expect(mine.filter((l) => l.msg === 'client aborted request')).toEqual([expect.objectContaining({ level: 30, err: expect.objectContaining({ code: 'ECONNRESET' }) })]);
    expect(mine.filter((l) => l.msg === 'storage unavailable' || l.level >= 40)).toEqual([]);
  });
});
