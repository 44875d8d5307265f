import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { resolveConfig, type Config } from '../../src/config.js';
import { createClient, type NewClient } from '../../src/core/client-management.js';
import type { RunningServer } from '../../src/server.js';
import { startServer } from '../helpers/start-server.js';
import type { Environment, Store } from '../../src/storage/types.js';
import { sqliteBackend, type TestBackend } from '../helpers/backends.js';
import { TestClock } from '../helpers/test-server.js';

/** Requests the server received, by path, counted in an onRequest hook: the server's own view of the traffic. */
export type RequestCounts = Record<string, number>;

export interface SocketServer {
  server: RunningServer;
  store: Store;
  /** The server's clock; tests hand the same clock to the SDK so both sides agree on time. */
  clock: TestClock;
  counts: Record<Environment, RequestCounts>;
  url(env?: Environment): string;
  client(input?: Partial<NewClient>): Promise<{ id: string; secret: string }>;
  /** Server-side view: how many unexpired, unrevoked tokens the client holds. */
  activeTokens(clientId: string): Promise<number>;
  close(): Promise<void>;
}

/** The real server, both environments bound to ephemeral ports on 127.0.0.1. */
export async function startSocketServer(backend: TestBackend = sqliteBackend, overrides: Partial<Config> = {}): Promise<SocketServer> {
  const { store, url, cleanup } = await backend.create();
  const clock = new TestClock();
  const config = resolveConfig({
    db: url,
    serverKey: 'b'.repeat(64),
    logLevel: 'silent',
    host: '127.0.0.1',
    sandboxPort: 0,
    productionPort: 0,
    shutdownGraceMs: 2000,
    ...overrides,
  });
  const counts: Record<Environment, RequestCounts> = { sandbox: {}, production: {} };
  const counter = (app: FastifyInstance, ctx: { environment: Environment }) => {
    app.addHook('onRequest', (request, _reply, done) => {
      const path = request.url.split('?')[0] ?? '';
      counts[ctx.environment][path] = (counts[ctx.environment][path] ?? 0) + 1;
      done();
    });
  };
  const server = await startServer(config, { store, clock, plugins: [counter] });
  return {
    server,
    store,
    clock,
    counts,
    url: (env = 'sandbox') => server.urls[env],
    async client(input = {}) {
      const { client, secret } = await createClient(
        { clients: store.clients, hasher: server.hasher, clock },
        { environment: 'sandbox', name: 'sdk test', scopes: ['webhooks', 'transactions', 'devices'], ...input },
      );
      return { id: client.id, secret: secret ?? '' };
    },
    activeTokens: (clientId) => store.tokens.countActiveByClient(clientId, clock.now()),
    async close() {
      await server.close();
      await cleanup();
    },
  };
}

/** A tiny HTTP peer on 127.0.0.1:0 with a handler; records every request it gets. */
export interface Peer {
  url: string;
  requests: Array<{ method: string; path: string; headers: IncomingMessage['headers']; body: string }>;
  close(): Promise<void>;
}

export async function startPeer(
  handler: (req: IncomingMessage, body: string, res: ServerResponse, index: number) => unknown,
): Promise<Peer> {
  const requests: Peer['requests'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const index = requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body }) - 1;
      Promise.resolve(handler(req, body, res, index)).catch((err: unknown) => {
        res.statusCode = 599;
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Forwards a request recorded by a peer to the real server and relays the answer unchanged. */
export async function proxy(target: string, req: IncomingMessage, body: string, res: ServerResponse): Promise<void> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
  }
  const upstream = await fetch(target + (req.url ?? ''), { method: req.method, headers, body: req.method === 'GET' ? undefined : body });
  res.statusCode = upstream.status;
  upstream.headers.forEach((value, key) => {
    if (!['content-length', 'transfer-encoding', 'connection', 'keep-alive'].includes(key)) res.setHeader(key, value);
  });
  res.end(Buffer.from(await upstream.arrayBuffer()));
}

/**
 * A resource server peer that validates bearer tokens the way a real one without local validation does: it asks the
 * authorization server's /oauth/introspect with its own resource-server credentials (RFC 7662), and answers
 * 401 + `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750 §3.1) for inactive tokens.
 */
export async function startResourceServer(authServer: string, rs: { id: string; secret: string }): Promise<Peer> {
  return startPeer(async (req, _body, res) => {
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(auth);
    if (!m) {
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="api"' }).end();
      return;
    }
    const answer = await fetch(`${authServer}/oauth/introspect`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'Basic ' + Buffer.from(`${rs.id}:${rs.secret}`).toString('base64'),
      },
      body: new URLSearchParams({ token: m[1] ?? '' }).toString(),
    });
    const info = (await answer.json()) as { active: boolean; client_id?: string };
    if (!info.active) {
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="api", error="invalid_token"' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, client_id: info.client_id }));
  });
}
