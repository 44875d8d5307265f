import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../helpers/start-server.js';
import { sqliteBackend } from '../helpers/backends.js';

describe('slow clients › slowloris guard', () => {
  let server: RunningServer;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const b = await sqliteBackend.create();
    cleanup = b.cleanup;
    const config = resolveConfig({ db: b.url, serverKey: 'e'.repeat(64), logLevel: 'silent', sandboxPort: 0, productionPort: 0, headersTimeoutMs: 1000, drainDelayMs: 0 });
    server = await startServer(config, { store: b.store });
  });
  afterAll(async () => {
    await server.close();
    await cleanup();
  });

  it('headers dribbled a byte at a time are cut off after headersTimeout with 408, and a healthy client is served meanwhile', async () => {
    const u = new URL(server.urls.sandbox);
    const result = await new Promise<{ data: string; closed: boolean }>((resolve) => {
      const sock = connect(Number(u.port), u.hostname);
      let data = '';
      let i = 0;
      const header = 'POST /oauth/token HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(100);
      const timer = setInterval(() => {
        if (!sock.destroyed && i < header.length) sock.write(header[i++]!);
      }, 100);
      sock.on('data', (d) => (data += d));
      sock.on('close', () => {
        clearInterval(timer);
        resolve({ data, closed: true });
      });
      sock.on('error', () => {});
    });
    expect(result.closed).toBe(true);
    expect(result.data).toMatch(/^HTTP\/1\.1 408/);
    // (Were the deadline Node's lax default, the dribble would run past this test's timeout instead.)
    const healthy = await fetch(`${server.urls.sandbox}/healthz`);
    expect(healthy.status).toBe(200);
  });
});
