import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../helpers/start-server.js';
import { sqliteBackend } from '../helpers/backends.js';

const CHUNKED_HEAD =
  'POST /oauth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n';
const chunk = (bytes: number) => `${bytes.toString(16)}\r\n${'a'.repeat(bytes)}\r\n`;

interface Observed {
  status?: number;
  /** The server's FIN: it closed its side after the reply and went on reading ours. */
  ended: boolean;
  error?: string;
  closed: Promise<void>;
}

function observe(sock: Socket): Observed {
  const seen: Observed = { ended: false, closed: new Promise((resolve) => sock.once('close', () => resolve())) };
  let data = '';
  sock.on('data', (d) => {
    data += d;
    seen.status ??= Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1]) || undefined;
  });
  sock.on('end', () => (seen.ended = true));
  sock.on('error', (e: NodeJS.ErrnoException) => (seen.error = e.code ?? e.message));
  return seen;
}

const until = async (what: () => boolean) => {
  while (!what()) await new Promise((r) => setTimeout(r, 5));
};

// RFC 9112 §9.6 (tear-down): a server that closes at once risks a reset that destroys its last response
// before the client reads it; it should half-close, read on, then close.
describe('413 › the connection closes in stages, so a client still sending its body reads the 413', () => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  let port: number;
  beforeAll(async () => {
    const b = await sqliteBackend.create();
    cleanup = b.cleanup;
    const config = resolveConfig({ db: b.url, serverKey: 'e'.repeat(64), logLevel: 'silent', sandboxPort: 0, productionPort: 0, drainDelayMs: 0 });
    server = await startServer(config, { store: b.store });
    port = Number(new URL(server.urls.sandbox).port);
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  it('bytes sent after the 413 arrived are read and dropped, not answered with a reset; the server sends its FIN and closes when the client does', async () => {
    const sock = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const seen = observe(sock);
    sock.on('connect', () => {
      sock.write(CHUNKED_HEAD);
      for (let i = 0; i < 5; i++) sock.write(chunk(16 * 1024)); // 80 KiB: past the 64 KiB cap
    });
    await until(() => seen.status !== undefined && seen.ended);
    expect(seen.status).toBe(413);
    // Had the server closed at once, the first of these would meet a closed socket, its kernel would answer
    // with a reset, and the next write would fail with EPIPE/ECONNRESET.
    for (let i = 0; i < 8 && seen.error === undefined; i++) {
      await new Promise<void>((resolve) => sock.write(chunk(16 * 1024), () => resolve()));
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(seen.error).toBeUndefined();
    sock.end();
    await seen.closed;
    expect(seen.error).toBeUndefined();
  });

  it('a client that never stops sending is read on after the 413, then cut off: the reading is bounded in time', async () => {
    const sock = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const seen = observe(sock);
    let sentAfterReply = 0;
    const pump = () => {
      while (!sock.destroyed && sock.write(chunk(16 * 1024))) if (seen.status !== undefined) sentAfterReply += 16 * 1024;
    };
    sock.on('drain', pump);
    sock.on('connect', () => {
      sock.write(CHUNKED_HEAD);
      pump();
    });
    // The test's own timeout (30 s) is the bound that fails it, were the connection kept open for ever.
    await seen.closed;
    expect(seen.status).toBe(413);
    // Closed at once, the server would take at most what the kernels buffer; lingering, it takes far more.
    expect(sentAfterReply).toBeGreaterThan(64 * 1024 * 1024);
  });
});
