import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, HTTPMethods, LightMyRequestResponse } from 'fastify';
import { resolveConfig, type Config } from '../../src/config.js';
import { createClient, type NewClient } from '../../src/core/client-management.js';
import type { RunningServer, StartOptions } from '../../src/server.js';
import { startServer } from '../helpers/start-server.js';
import { openStore } from '../../src/storage/open-store.js';
import type { Environment, Store } from '../../src/storage/types.js';
import { manualScheduler } from '../../src/webhooks/worker.js';
import { sqliteBackend, type TestBackend } from '../helpers/backends.js';
import { basic, postForm, TestClock } from '../helpers/test-server.js';

export interface WebhookTestServer {
  server: RunningServer;
  store: Store;
  clock: TestClock;
  app(env?: Environment): FastifyInstance;
  /** A credential and a token for it (default: sandbox, operator account, scope webhooks). */
  credential(input?: Partial<NewClient>, scope?: string): Promise<{ id: string; secret: string; token: string; auth: string }>;
  /** Stops the server and its worker, closes the database connection, and starts again on the same database. */
  restart(): Promise<void>;
  /** Another server "process" on the same database (its own connection, worker and lease owner id). */
  peer(): Promise<{ server: RunningServer; close(): Promise<void> }>;
  close(): Promise<void>;
}

/**
 * The whole server in process on a fresh database, with the delivery worker on a manual scheduler: tests
 * drive it with `server.webhooks.worker.runDue()` and move `clock`, so nothing sleeps.
 */
export async function createWebhookTestServer(
  options: { backend?: TestBackend; config?: Partial<Config>; webhooks?: StartOptions['webhooks'] } = {},
): Promise<WebhookTestServer> {
  const backend = options.backend ?? sqliteBackend;
  const created = await backend.create();
  let store = created.store;
  const clock = new TestClock();
  const config = resolveConfig({ db: created.url, serverKey: 'a'.repeat(64), logLevel: 'silent', ...options.config });
  const start = () =>
    startServer(config, { store, clock, listen: false, webhooks: { scheduler: manualScheduler, random: () => 1, ...options.webhooks } });
  let server = await start();
  let reopened = false;

  const t: WebhookTestServer = {
    get server() {
      return server;
    },
    get store() {
      return store;
    },
    clock,
    app: (env = 'sandbox') => server.apps[env],
    async credential(input = {}, scope = 'webhooks') {
      const environment = input.environment ?? 'sandbox';
      const { client, secret } = await createClient(
        { clients: store.clients, hasher: server.hasher, clock },
        { environment, name: 'test client', scopes: ['webhooks', 'transactions', 'devices'], ...input },
      );
      const res = await postForm(server.apps[environment], '/oauth/token', `grant_type=client_credentials&scope=${scope}`, {
        authorization: basic(client.id, secret!),
      });
      if (res.statusCode !== 200) throw new Error(`token request failed: ${res.body}`);
      const token = res.json().access_token as string;
      return { id: client.id, secret: secret!, token, auth: `Bearer ${token}` };
    },
    async restart() {
      await server.close();
      await store.close();
      store = await openStore(created.url);
      reopened = true;
      server = await start();
    },
    async peer() {
      const peerStore = await openStore(created.url);
      const peerServer = await startServer(config, {
        store: peerStore,
        clock,
        listen: false,
        webhooks: { scheduler: manualScheduler, random: () => 1, ...options.webhooks },
      });
      return {
        server: peerServer,
        async close() {
          await peerServer.close();
          await peerStore.close();
        },
      };
    },
    async close() {
      await server.close();
      if (reopened) await store.close().catch(() => {});
      await created.cleanup();
    },
  };
  return t;
}

/** A request to the Webhook API with a bearer token; bodies are JSON unless a form string is given. */
export function call(
  app: FastifyInstance,
  method: HTTPMethods,
  url: string,
  auth: string | undefined,
  body?: Record<string, unknown> | string,
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {};
  if (auth !== undefined) headers.authorization = auth;
  if (typeof body === 'string') headers['content-type'] = 'application/x-www-form-urlencoded';
  else if (body !== undefined) headers['content-type'] = 'application/json';
  return app.inject({ method, url, headers, payload: typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body) });
}

export interface ReceivedRequest {
  headers: http.IncomingHttpHeaders;
  body: string;
  path: string;
}

/**
 * A real local HTTP receiver. `respond` picks the status of the n-th request (0-based), and may return a
 * promise to hold the response open (a slow receiver), which the test resolves when it wants.
 */
export async function startReceiver(respond: (n: number, req: ReceivedRequest) => number | Promise<number> = () => 200) {
  const received: ReceivedRequest[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), path: req.url ?? '/' };
      const n = received.push(r) - 1;
      for (const w of waiters.filter((w) => received.length >= w.count)) w.resolve();
      void Promise.resolve(respond(n, r)).then((status) => {
        if (status >= 300 && status < 400) res.setHeader('location', '/elsewhere');
        res.writeHead(status).end('ok');
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    received,
    /** Resolves once `count` requests have arrived. */
    waitFor(count: number): Promise<void> {
      if (received.length >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
