import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { newClientSecret } from '../../src/core/random.js';
import type { RunningServer } from '../../src/server.js';
import { sqliteBackend } from '../helpers/backends.js';
import { startServer } from '../helpers/start-server.js';
import { basic } from '../helpers/test-server.js';
import { captureLogger } from '../log-safety/log-capture.js';

/** Sends raw bytes and resolves with whatever came back before the server closed the socket. */
function rawRequest(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1', () => sock.end(bytes));
    let data = '';
    sock.on('data', (d) => (data += d));
    sock.on('close', () => resolve(data));
    sock.on('error', () => {});
  });
}

// Regression: Fastify logs every request Node's parser rejects at trace, with the parser error, whose
// `rawPacket` holds the request bytes as received — Authorization header and all. Found by the end-of-run
// log scan (test/log-safety/), in `serve.e2e.test.ts` B8 run at --log-level trace.
describe('client errors › a request the HTTP parser rejects is logged at trace without its raw bytes', () => {
  const lines: string[] = [];
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const b = await sqliteBackend.create();
    cleanup = b.cleanup;
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
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

  const secret = newClientSecret();
  const auth = basic('C'.repeat(24), secret);
  const rows: Array<[string, string, RegExp, string]> = [
    ['headers past 16 KiB → 431', `POST /oauth/token HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nX-Pad: ${'a'.repeat(17_000)}\r\n\r\n`, /^HTTP\/1\.1 431/, 'HPE_HEADER_OVERFLOW'],
    ['a header with a bad character → 400', `POST /oauth/token HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nBad\u0001Header: 1\r\n\r\n`, /^HTTP\/1\.1 400/, 'HPE_INVALID_HEADER_TOKEN'],
  ];
  it.each(rows)('%s', async (_name, bytes, status, code) => {
    const port = Number(new URL(server.urls.sandbox).port);
    expect(await rawRequest(port, bytes)).toMatch(status);
    const logged = lines.map((l) => JSON.parse(l)).filter((l) => l.err?.code === code);
    expect(logged).toHaveLength(1);
    expect(logged[0].err.rawPacket).toMatch(/^\[redacted\] \d+ bytes$/);
    const log = lines.join('');
    for (const value of [secret, auth.slice(6)]) expect(log).not.toContain(value);
    // Nor as a byte array: the secret's first characters as the numbers JSON would list.
    expect(log).not.toContain([...Buffer.from(secret.slice(0, 8))].join(','));
  });
});
