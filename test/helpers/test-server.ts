import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { resolveConfig, type Config } from '../../src/config.js';
import { createClient, type NewClient } from '../../src/core/client-management.js';
import type { Clock } from '../../src/core/clock.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from './start-server.js';
import type { Environment, Store } from '../../src/storage/types.js';
import { sqliteBackend, type TestBackend } from './backends.js';

/** A settable clock for expiry tests. */
export class TestClock implements Clock {
  constructor(public t = Math.floor(Date.now() / 1000)) {}
  now(): number {
    return this.t;
  }
  advance(seconds: number): void {
    this.t += seconds;
  }
}

export interface TestServer {
  server: RunningServer;
  store: Store;
  clock: TestClock;
  /** The database URL (sqlite:PATH or postgres://…), e.g. to grep the file for plaintext. */
  dbUrl: string;
  app(env?: Environment): FastifyInstance;
  /** A new client; its plaintext secret is returned once, as in production. */
  client(input?: Partial<NewClient>): Promise<{ id: string; secret: string }>;
  close(): Promise<void>;
}

const SERVER_KEY = 'a'.repeat(64);

/** The whole server in process (fastify.inject), on a fresh database of the given backend. */
export async function createTestServer(
  options: { backend?: TestBackend; config?: Partial<Config> } = {},
): Promise<TestServer> {
  const backend = options.backend ?? sqliteBackend;
  const { store, url, cleanup } = await backend.create();
  const clock = new TestClock();
  const config = resolveConfig({ db: url, serverKey: SERVER_KEY, logLevel: 'silent', ...options.config });
  const server = await startServer(config, { store, clock, listen: false });
  return {
    server,
    store,
    clock,
    dbUrl: url,
    app: (env = 'sandbox') => server.apps[env],
    async client(input = {}) {
      const { client, secret } = await createClient(
        { clients: store.clients, hasher: server.hasher, clock },
        { environment: 'sandbox', name: 'test client', scopes: ['webhooks', 'transactions', 'devices'], ...input },
      );
      return { id: client.id, secret: secret ?? '' };
    },
    async close() {
      await server.close();
      await cleanup();
    },
  };
}

export const basic = (id: string, secret: string, sep = ':'): string =>
  'Basic ' + Buffer.from(`${id}${sep}${secret}`).toString('base64');

export const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** POST a form to an endpoint of the app. */
export function postForm(
  app: FastifyInstance,
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url, payload: body, headers: { ...FORM, ...headers } });
}
