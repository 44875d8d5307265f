import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenClient } from '../../packages/client/src/index.js';
import { startPeer, startSocketServer, type Peer, type SocketServer } from './socket-server.js';

/**
 * Which resource-server answers make fetch() renew the token. The resource server is a peer answering a fixed
 * status and challenge to the first request and 200 after; tokens come from the real server.
 */
describe('TokenClient.fetch › when a 401 means "renew the token" (RFC 6750 §3.1)', () => {
  let s: SocketServer;
  let creds: { id: string; secret: string };
  beforeAll(async () => {
    s = await startSocketServer();
    creds = await s.client();
  });
  afterAll(() => s?.close());

  const cases: Array<[string, number, string | undefined, boolean]> = [
    ['401 error="invalid_token"', 401, 'Bearer realm="api", error="invalid_token", error_description="The access token expired"', true],
    ['401 without WWW-Authenticate (some APIs answer a bare 401 to an expired token)', 401, undefined, true],
    ['401 with a bare Bearer challenge', 401, 'Bearer realm="api"', true],
    ['401 error="invalid_request" (renewing would not help)', 401, 'Bearer realm="api", error="invalid_request"', false],
    ['403 error="insufficient_scope"', 403, 'Bearer realm="api", error="insufficient_scope", scope="webhooks"', false],
    ['500', 500, undefined, false],
  ];

  it.each(cases)('%s → renew and retry: %s', async (_name, status, challenge, renews) => {
    let peer: Peer | undefined;
    try {
      peer = await startPeer((_req, _body, res, i) => {
        if (i === 0) res.writeHead(status, challenge ? { 'www-authenticate': challenge } : {}).end();
        else res.writeHead(200).end('ok');
      });
      const client = new TokenClient({ clientId: creds.id, clientSecret: creds.secret, environment: { tokenUrl: `${s.url()}/oauth/token` } });
      const before = s.counts.sandbox['/oauth/token'] ?? 0;
      const res = await client.fetch(`${peer.url}/v1/webhooks`);
      expect(res.status).toBe(renews ? 200 : status);
      expect(peer.requests).toHaveLength(renews ? 2 : 1);
      expect((s.counts.sandbox['/oauth/token'] ?? 0) - before).toBe(renews ? 2 : 1);
      if (renews) expect(peer.requests[1]?.headers.authorization).not.toBe(peer.requests[0]?.headers.authorization);
    } finally {
      await peer?.close();
    }
  });

  it('renews once only: a second 401 is returned to the caller', async () => {
    const peer = await startPeer((_req, _body, res) => res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end());
    try {
      const client = new TokenClient({ clientId: creds.id, clientSecret: creds.secret, environment: { tokenUrl: `${s.url()}/oauth/token` } });
      const res = await client.fetch(new URL(`${peer.url}/v1/events`));
      expect(res.status).toBe(401);
      expect(peer.requests).toHaveLength(2);
    } finally {
      await peer.close();
    }
  });

  it('a Request object keeps its method, headers and body on both attempts; the caller’s own Authorization is replaced', async () => {
    const peer = await startPeer((_req, _body, res, i) => res.writeHead(i === 0 ? 401 : 201).end());
    try {
      const client = new TokenClient({ clientId: creds.id, clientSecret: creds.secret, environment: { tokenUrl: `${s.url()}/oauth/token` } });
      const request = new Request(`${peer.url}/v1/subscriptions`, {
        method: 'PUT',
        headers: { 'x-request-id': 'r-1', authorization: 'Basic c3B5OnNweQ==', 'content-type': 'application/json' },
        body: '{"event_id":"e"}',
      });
      const res = await client.fetch(request);
      expect(res.status).toBe(201);
      for (const r of peer.requests) {
        expect({ method: r.method, body: r.body, id: r.headers['x-request-id'] }).toEqual({ method: 'PUT', body: '{"event_id":"e"}', id: 'r-1' });
        expect(r.headers.authorization).toMatch(/^Bearer [A-Za-z0-9]{42}$/);
      }
    } finally {
      await peer.close();
    }
  });
});
