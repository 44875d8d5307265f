import { createServer, connect, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config.js';
import { ListenError } from '../../src/http/listeners.js';
import type { RunningServer } from '../../src/server.js';
import { sqliteBackend } from '../helpers/backends.js';
import { freePort } from '../helpers/cli.js';
import { startServer } from '../helpers/start-server.js';

const occupy = (port: number) =>
  new Promise<Server>((resolve) => {
    const s = createServer().listen(port, '127.0.0.1', () => resolve(s));
  });
const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.on('connect', () => (sock.destroy(), resolve(false)));
    sock.on('error', () => resolve(true));
  });

describe('listeners › what the server listens on, and a start that cannot bind every port', () => {
  let server: RunningServer | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  const held: Server[] = [];
  afterEach(async () => {
    await server?.close();
    server = undefined;
    await cleanup?.();
    for (const s of held.splice(0)) s.close();
  });

  it('server.listeners lists both environments as bound (port 0 resolved) and the management listener as configured', async () => {
    const backend = await sqliteBackend.create();
    cleanup = backend.cleanup;
    server = await startServer(resolveConfig({ db: backend.url, serverKey: 'b'.repeat(64), logLevel: 'silent', sandboxPort: 0, productionPort: 0, metricsPort: 9999, drainDelayMs: 0 }), { store: backend.store });
    const ports = { sandbox: Number(new URL(server.urls.sandbox).port), production: Number(new URL(server.urls.production).port) };
    expect(ports.sandbox).toBeGreaterThan(0);
    expect(server.listeners).toEqual([
      { name: 'sandbox', host: '127.0.0.1', port: ports.sandbox },
      { name: 'production', host: '127.0.0.1', port: ports.production },
      { name: 'metrics', host: '127.0.0.1', port: 9999 },
    ]);
  });

  it('with metricsPort 0 there is no management listener in the list', async () => {
    const backend = await sqliteBackend.create();
    cleanup = backend.cleanup;
    server = await startServer(resolveConfig({ db: backend.url, serverKey: 'b'.repeat(64), logLevel: 'silent', sandboxPort: 0, productionPort: 0, metricsPort: 0, drainDelayMs: 0 }), { store: backend.store });
    expect(server.listeners.map((l) => l.name)).toEqual(['sandbox', 'production']);
  });

  it('production port taken: a ListenError naming it, and the sandbox listener that did bind is closed again', async () => {
    const [sandbox, production] = [await freePort(), await freePort()];
    held.push(await occupy(production));
    const backend = await sqliteBackend.create();
    cleanup = backend.cleanup;
    const start = startServer(resolveConfig({ db: backend.url, serverKey: 'b'.repeat(64), logLevel: 'silent', sandboxPort: sandbox, productionPort: production, drainDelayMs: 0 }));
    await expect(start).rejects.toBeInstanceOf(ListenError);
    await expect(start).rejects.toThrow(`cannot listen on 127.0.0.1:${production} (production): the port is already in use`);
    expect(await refused(sandbox)).toBe(true);
    // Nothing holds it: it can be bound again at once.
    held.push(await occupy(sandbox));
  });
});
